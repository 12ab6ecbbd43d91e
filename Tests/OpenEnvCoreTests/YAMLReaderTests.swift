import Testing

@testable import OpenEnvCore

@Suite struct YAMLReaderTests {
    @Test func composesMappingsSequencesAndScalarStyles() throws {
        let node = try YAMLReader.compose("""
            # a comment
            name: "quoted"
            list: [a, 'b']
            nested:
              key: plain
            block: |
              two
              lines
            """)
        #expect(node == .mapping([
            YAMLPair(key: .scalar("name", plain: true), value: .scalar("quoted", plain: false)),
            YAMLPair(key: .scalar("list", plain: true), value: .sequence([.scalar("a", plain: true), .scalar("b", plain: false)])),
            YAMLPair(key: .scalar("nested", plain: true), value: .mapping([YAMLPair(key: .scalar("key", plain: true), value: .scalar("plain", plain: true))])),
            YAMLPair(key: .scalar("block", plain: true), value: .scalar("two\nlines", plain: false)),
        ]))
    }

    @Test(arguments: ["", "# only a comment\n", "   \n"])
    func aTextWithoutADocumentHasNoNode(_ text: String) throws {
        #expect(try YAMLReader.compose(text) == nil)
    }

    @Test func aliasesAreResolved() throws {
        let node = try YAMLReader.compose("base: &b {x: 1}\ncopy: *b\n")
        #expect(node?.json == ["base": ["x": 1], "copy": ["x": 1]])
    }

    @Test func aSyntaxErrorSaysWhatAndWhere() {
        #expect {
            try YAMLReader.compose("name: ok\nlist: [unclosed\n")
        } throws: { error in
            let text = "\(error)"
            return text.contains("line") && text.contains("column") && text.contains("flow sequence")
        }
    }

    @Test func nestingDeeperThanTheLimitIsRefused() {
        let deep = String(repeating: "[", count: YAMLReader.maximumDepth + 1) + String(repeating: "]", count: YAMLReader.maximumDepth + 1)
        #expect { try YAMLReader.compose(deep) } throws: { "\($0)".contains("nesting deeper than \(YAMLReader.maximumDepth) levels") }
        let atLimit = String(repeating: "[", count: YAMLReader.maximumDepth) + String(repeating: "]", count: YAMLReader.maximumDepth)
        #expect(throws: Never.self) { try YAMLReader.compose(atLimit) }
    }

    @Test func textsThatWouldStallTheParserAreRefusedBeforeIt() {
        let brackets = String(repeating: "[", count: 2_000_000) + String(repeating: "]", count: 2_000_000)
        #expect { try YAMLReader.compose(brackets) } throws: { "\($0)" == "larger than 65536 bytes" }
        let nested = String(repeating: "{a: ", count: 5000) + String(repeating: "}", count: 5000)
        #expect { try YAMLReader.compose(nested) } throws: { "\($0)".contains("more than 4096 '[' and '{' (5000)") }
        let atLimit = "k: " + String(repeating: "[", count: 4096) + String(repeating: "]", count: 4096)
        #expect { try YAMLReader.compose(atLimit) } throws: { "\($0)".contains("nesting deeper than 64 levels") }
    }

    @Test func aliasesThatMultiplyIntoBillionsOfNodesAreRefused() {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...9 {
            let previous = "*a\(level - 1)"
            text += "a\(level): &a\(level) [\(Array(repeating: previous, count: 10).joined(separator: ", "))]\n"
        }
        #expect { try YAMLReader.compose(text) } throws: { "\($0)".contains("more than \(YAMLReader.maximumNodes) nodes") }
    }

    @Test(arguments: [
        ("true", JSONValue.bool(true)), ("Yes", .bool(true)), ("on", .bool(true)), ("FALSE", .bool(false)), ("no", .bool(false)), ("Off", .bool(false)),
        ("~", .null), ("null", .null), ("", .null),
        ("42", .integer(42)), ("-7", .integer(-7)), ("+3", .integer(3)), ("1_000", .integer(1000)), ("0x1F", .integer(31)), ("0b101", .integer(5)),
        ("017", .integer(15)), ("9223372036854775807", .integer(Int64.max)), ("-9223372036854775808", .integer(Int64.min)),
        ("99999999999999999999", .bigInteger("99999999999999999999")),
        ("1.5", .double(1.5)), ("-.5", .double(-0.5)), ("1.", .double(1)), ("6.02e+23", .double(6.02e23)), ("1_0.2_5", .double(10.25)),
        (".inf", .double(.infinity)), ("-.INF", .double(-.infinity)),
        ("09", .string("09")), ("1e3", .string("1e3")), ("0.1.0", .string("0.1.0")), ("1.5e3", .string("1.5e3")), ("0x", .string("0x")),
        ("0b12", .string("0b12")), ("+", .string("+")), ("._", .string("._")), ("server.app:app", .string("server.app:app")), ("y", .string("y")),
    ])
    func plainScalarsAreTypedAsPyYAMLTypesThem(_ text: String, _ expected: JSONValue) {
        #expect(YAMLNode.scalar(text, plain: true).json == expected)
        #expect(YAMLNode.scalar(text, plain: false).json == .string(text))
    }

    @Test func notANumberIsAFloat() {
        guard case .double(let value) = YAMLNode.scalar(".NaN", plain: true).json else { Issue.record("not a double"); return }
        #expect(value.isNaN)
    }

    @Test func aCollectionKeyIsWrittenInFlowForm() throws {
        let node = try YAMLReader.compose("? [a, b]\n: 1\n? {k: v}\n: 2\n")
        #expect(node?.json == ["[a, b]": 1, "{k: v}": 2])
    }
}
