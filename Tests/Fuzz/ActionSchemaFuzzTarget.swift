// libFuzzer target for action-schema validation (bindings/python/tests/test_fuzz.py builds it with
// Schema/ and JSON/). The input is a schema and an action as JSON, separated by a NUL byte: a
// server controls the schema, so no schema may crash or hang the check of any action.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzActionSchema(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let separator = bytes.firstIndex(of: 0) ?? size
    guard let schemaJSON = try? JSONParser(maximumDepth: 64).parse(bytes[0..<separator]),
        let schema = try? ActionSchema(json: schemaJSON)
    else { return 0 }
    let rest = separator < size ? Array(bytes[(separator + 1)...]) : Array("{}".utf8)
    guard let action = (try? JSONParser(maximumDepth: 64).parse(rest))?.objectValue else { return 0 }
    switch schema.validate(action) {
    case .success(let completed): _ = JSONValue.object(completed).serializedBytes()
    case .failure(let error): guard !error.problems.isEmpty else { fatalError("a failure without a problem") }
    }
    _ = schema.summaryJSON.serializedBytes()
    return 0
}
