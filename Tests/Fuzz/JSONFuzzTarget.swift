// libFuzzer target for the JSON reader and writer, compiled together with
// Sources/OpenEnvCore/JSON/*.swift by bindings/python/tests/test_fuzz.py:
//   swiftc -sanitize=fuzzer,address -parse-as-library JSONFuzzTarget.swift ../../Sources/OpenEnvCore/JSON/*.swift
// Any input must either be refused with a JSONParseError or parse to a value whose written
// form reads back to the same value and is written the same way again. The syntax check
// (`messageType(of:)`) must agree with the parser: the same error, or the parsed value's type.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let parser = JSONParser(maximumDepth: 64)
    let parsed = Result { () throws(JSONParseError) in try parser.parse(bytes) }
    let checked = Result { () throws(JSONParseError) in try parser.messageType(of: bytes) }
    switch (parsed, checked) {
    case (.success(let value), .success(let type)) where value["type"]?.stringValue == type: break
    case (.failure(let parseError), .failure(let checkError)) where parseError == checkError: break
    default: fatalError("the syntax check (\(checked)) disagrees with the parser (\(parsed))")
    }
    guard case .success(let value) = parsed else { return 0 }
    let written = value.serializedBytes()
    guard let reread = try? JSONParser(maximumDepth: 64).parse(written) else {
        fatalError("written JSON does not parse: \(String(decoding: written, as: UTF8.self))")
    }
    guard reread.serializedBytes() == written else {
        fatalError("writing is not stable: \(String(decoding: written, as: UTF8.self))")
    }
    if !containsNaN(value) && reread != value {
        fatalError("round trip changed the value: \(String(decoding: written, as: UTF8.self))")
    }
    return 0
}

private func containsNaN(_ value: JSONValue) -> Bool {
    switch value {
    case .double(let number): return number.isNaN
    case .array(let elements): return elements.contains(where: containsNaN)
    case .object(let object): return object.members.contains { containsNaN($0.value) }
    default: return false
    }
}
