import Testing

@testable import OpenEnvCore

/// Accept and reject cases for the JSON reader, and exact round trips through the writer.
@Suite struct JSONConformanceTests {
    static let accepted: [(String, JSONValue)] = [
        ("null", .null), ("true", true), ("false", false), ("0", 0), ("-0", 0), ("42", 42),
        ("-9223372036854775808", .integer(Int64.min)), ("9223372036854775807", .integer(Int64.max)),
        ("9223372036854775808", .bigInteger("9223372036854775808")),
        ("-123456789012345678901234567890", .bigInteger("-123456789012345678901234567890")),
        ("1.5", 1.5), ("-0.25", -0.25), ("1e3", 1000.0), ("1E-2", 0.01), ("2.5e+2", 250.0),
        ("0.30000000000000004", 0.30000000000000004), ("NaN", .double(.nan)), ("Infinity", .double(.infinity)),
        ("-Infinity", .double(-.infinity)), ("\"\"", ""), ("\"a\\\"b\"", "a\"b"), ("\"\\\\/\\b\\f\\n\\r\\t\"", "\\/\u{8}\u{c}\n\r\t"),
        ("\"\\u00e9\"", "é"), ("\"\\uD83D\\uDE00\"", "😀"), ("\"héllo 😀\"", "héllo 😀"), ("\"\\ud800\"", "\u{FFFD}"),
        ("\"\\ud800x\"", "\u{FFFD}x"), ("[]", []), ("{}", .object(JSONObject())), (" [1, [2, {\"a\": []}]] ", [1, [2, ["a": []]]]),
        ("{\"a\":1,\"b\":[true,null]}", ["a": 1, "b": [true, nil]]), ("{\"a\":1,\"a\":2}", ["a": 2]),
    ]

    static let rejected: [(String, Int)] = [
        ("", 0), (" ", 1), ("nul", 0), ("tru", 0), ("01", 1), ("-", 1), ("1.", 2), ("1e", 2), ("+1", 0), (".5", 0),
        ("[1,]", 3), ("[1 2]", 3), ("{\"a\" 1}", 5), ("{a:1}", 1), ("{\"a\":1,}", 7), ("\"abc", 0), ("\"\\x\"", 1),
        ("\"\\u12G4\"", 5), ("\"a\u{1}\"", 2), ("[", 1), ("{\"a\":", 5), ("1 2", 2), ("[1]]", 3), ("'a'", 0),
        ("\"\\u12\"", 1), ("nan", 0), ("-Inf", 1),
    ]

    @Test(arguments: accepted)
    func accepts(_ text: String, _ expected: JSONValue) throws {
        let value = try JSONParser().parse(text)
        if case .double(let number) = expected, number.isNaN {
            guard case .double(let parsed) = value else { Issue.record("expected NaN, got \(value)"); return }
            #expect(parsed.isNaN)
        } else {
            #expect(value == expected)
        }
    }

    @Test(arguments: rejected)
    func rejectsWithOffset(_ text: String, _ offset: Int) {
        #expect(throws: JSONParseError.self) { try JSONParser().parse(text) }
        do {
            _ = try JSONParser().parse(text)
        } catch {
            #expect(error.offset == offset, "\(text): \(error)")
        }
    }

    @Test func rejectsInvalidUTF8WithItsOffset() {
        let bytes: [UInt8] = [0x22, 0x61, 0xFF, 0x62, 0x22]
        #expect(throws: JSONParseError(offset: 2, reason: "invalid UTF-8 in a string")) { try JSONParser().parse(bytes) }
        let escaped: [UInt8] = Array("\"\\n".utf8) + [0xC3] + Array("\"".utf8)
        #expect(throws: JSONParseError.self) { try JSONParser().parse(escaped) }
    }

    @Test func refusesNestingBeyondTheLimit() throws {
        let deep = String(repeating: "[", count: 129) + String(repeating: "]", count: 129)
        #expect(throws: JSONParseError.self) { try JSONParser().parse(deep) }
        let allowed = String(repeating: "[", count: 128) + String(repeating: "]", count: 128)
        _ = try JSONParser().parse(allowed)
        #expect(throws: JSONParseError.self) { try JSONParser(maximumDepth: 2).parse("[[[1]]]") }
    }

    @Test(arguments: accepted.map(\.0) + rejected.map(\.0))
    func syntaxCheckAgreesWithTheParser(_ text: String) {
        let parsed = Result { () throws(JSONParseError) in try JSONParser().parse(text) }
        let checked = Result { () throws(JSONParseError) in try JSONParser().messageType(of: Array(text.utf8)) }
        switch (parsed, checked) {
        case (.success(let value), .success(let type)): #expect(type == value["type"]?.stringValue, "\(text)")
        case (.failure(let parseError), .failure(let checkError)): #expect(checkError == parseError, "\(text)")
        default: Issue.record("\(text): the check gave \(checked), the parser \(parsed)")
        }
    }

    static let messageTypes: [(String, String?)] = [
        (#"{"type": "observation", "data": {"type": "inner"}}"#, "observation"), (#"{"data": {"type": "inner"}, "type": "state"}"#, "state"),
        (#"{"data": {"type": "inner"}}"#, nil), (#"{"type": 3}"#, nil), (#"{"type": null}"#, nil), (#"[{"type": "a"}]"#, nil),
        (#""type""#, nil), (#"{"type": "a", "type": "b"}"#, "b"), (#"{"type": "a", "type": 1}"#, nil), (#"{"type": "step"}"#, "step"),
        (#"{"type": "caf\u00e9 \"quoted\""}"#, "café \"quoted\""), (#"{"type": "é", "data": ["😀", 1.5e3, -0, true, {}]}"#, "é"),
    ]

    @Test(arguments: messageTypes)
    func syntaxCheckFindsTheTopLevelType(_ text: String, _ type: String?) throws {
        #expect(try JSONParser().messageType(of: Array(text.utf8)) == type)
    }

    @Test func syntaxCheckRefusesWhatTheParserRefuses() {
        let badUTF8: [UInt8] = Array(#"{"type": "a", "data": ""#.utf8) + [0xFF] + Array(#""}"#.utf8)
        #expect(throws: JSONParseError(offset: 23, reason: "invalid UTF-8 in a string")) { try JSONParser().messageType(of: badUTF8) }
        let deep = "{\"type\": \"a\", \"data\": " + String(repeating: "[", count: 128) + String(repeating: "]", count: 128) + "}"
        #expect(throws: JSONParseError.self) { try JSONParser().messageType(of: Array(deep.utf8)) }
        #expect(throws: JSONParseError.self) { try JSONParser().messageType(of: Array(#"{"type": "a"} {}"#.utf8)) }
    }

    /// Python's `repr` of each float, as CPython 3.11 prints it.
    static let pythonReprs: [(Double, String)] = [
        (0.0, "0.0"), (-0.0, "-0.0"), (1.0, "1.0"), (-2.0, "-2.0"), (0.1, "0.1"), (0.30000000000000004, "0.30000000000000004"),
        (100.0, "100.0"), (1e15, "1000000000000000.0"), (1e16, "1e+16"), (1.5e16, "1.5e+16"), (123456789.125, "123456789.125"),
        (0.0001, "0.0001"), (0.00001, "1e-05"), (1.5e-7, "1.5e-07"), (1e100, "1e+100"), (Double.leastNonzeroMagnitude, "5e-324"),
        (1.7976931348623157e308, "1.7976931348623157e+308"), (2.5, "2.5"), (1234.5678, "1234.5678"),
    ]

    @Test(arguments: pythonReprs)
    func writesFloatsLikePythonRepr(_ number: Double, _ repr: String) throws {
        #expect(JSONValue.double(number).serialized() == repr)
        #expect(try JSONParser().parse(repr) == .double(number))
    }

    @Test func roundTripsDocuments() throws {
        let documents = [
            "{\"type\":\"observation\",\"data\":{\"observation\":{\"echoed_message\":\"hi\",\"message_length\":2},\"reward\":0.2,\"done\":false}}",
            "[1,-2,3.5,\"\\u0001\\n\\\"\\\\\",null,true,{\"é\":[]},123456789012345678901234567890]",
            "{\"z\":1,\"a\":2,\"m\":{\"y\":[],\"b\":{}}}",
        ]
        for document in documents {
            let value = try JSONParser().parse(document)
            #expect(value.serialized() == document)
            #expect(try JSONParser().parse(value.serializedBytes()) == value)
        }
    }

    @Test func writesNonFiniteFloatsAsPythonDoes() {
        #expect(JSONValue.array([.double(.nan), .double(.infinity), .double(-.infinity)]).serialized() == "[NaN,Infinity,-Infinity]")
    }

    @Test func objectKeepsOrderAndReplacesRepeatedKeys() {
        var object: JSONObject = ["b": 1, "a": 2]
        object["b"] = 3
        object["c"] = 4
        object["a"] = nil
        #expect(object.keys == ["b", "c"])
        #expect(JSONValue.object(object).serialized() == "{\"b\":3,\"c\":4}")
    }
}
