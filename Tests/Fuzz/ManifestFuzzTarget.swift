// libFuzzer target for the openenv.yaml reader: libyaml's parser, the conversion of its
// document to nodes (nesting and alias limits), PyYAML's scalar typing and the manifest's keys
// (bindings/python/tests/test_fuzz.py). A broken manifest must never crash discovery.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzManifest(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let manifest = try? EnvironmentManifest(yaml: text) {
        _ = manifest.raw.serialized()
    }
    return 0
}
