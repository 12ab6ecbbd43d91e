// libFuzzer target for the readers of a distribution's metadata folder: METADATA, RECORD,
// top_level.txt, entry_points.txt and direct_url.json (bindings/python/tests/test_fuzz.py). The
// input holds the five files separated by NUL bytes; they are written to a dist-info folder and
// read as discovery reads them. A broken package must never crash discovery.

#if canImport(Glibc)
import Glibc
#endif

private let folder: String = {
    var template = Array("/tmp/openenv-fuzz-XXXXXX".utf8CString)
    let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    let root = String(cString: made!)
    mkdir(root + "/openenv_fuzz_env-1.0.dist-info", 0o755)
    return root + "/openenv_fuzz_env-1.0.dist-info"
}()

private let files = ["METADATA", "RECORD", "top_level.txt", "entry_points.txt", "direct_url.json"]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDistInfo(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let parts = UnsafeBufferPointer(start: data, count: size).split(separator: 0, maxSplits: 4, omittingEmptySubsequences: false)
    for (index, name) in files.enumerated() {
        let path = folder + "/" + name
        guard index < parts.count else {
            unlink(path)
            continue
        }
        let file = fopen(path, "wb")!
        let content = Array(parts[index])
        content.withUnsafeBufferPointer { _ = fwrite($0.baseAddress, 1, $0.count, file) }
        fclose(file)
    }
    let distribution = InstalledDistribution(metadataPath: folder, searchPath: String(folder.dropLast(31)))
    guard !distribution.normalizedName.isEmpty || distribution.name.isEmpty else { fatalError("a name that normalizes to nothing") }
    _ = distribution.topLevelModules
    _ = distribution.recordEntries
    _ = distribution.serverEntryPointModule
    _ = distribution.editableSourceRoot
    return 0
}
