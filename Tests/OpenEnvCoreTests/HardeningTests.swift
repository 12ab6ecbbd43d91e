import Testing

@testable import OpenEnvCore

/// Well-formed input that once crashed or hung the engine (issue 10's findings), each with the
/// answer it gets now.
struct HardeningTests {
    @Test(arguments: [1.8e10, 1e15, 1e300, Double.infinity, Double.nan, -1e300])
    func anyTimeoutIsADeadline(_ seconds: Double) {
        let deadline = Deadline(seconds: seconds)
        let expected: Int32 = seconds > 1 ? Int32.max : 0
        #expect(deadline.remainingMilliseconds == expected)
        #expect(!formatSeconds(seconds).isEmpty)
    }

    @Test func schemaBoundsOutsideTheIntegersAreCheckedNotTrapped() throws {
        let text = #"{"title": "Wide", "type": "object", "properties": {"s": {"type": "string", "minLength": 1e300, "maxLength": -1e300},"#
            + #" "a": {"type": "array", "minItems": 1e400, "maxItems": -1e400}}}"#
        let schema = try ActionSchema(json: JSONParser().parse(text))
        guard case .failure(let error) = schema.validate(["s": "x", "a": [1]]) else {
            Issue.record("expected problems")
            return
        }
        #expect(error.problems.count == 4)
        #expect(error.problems[0].contains("shorter than 1e+300") || error.problems[0].contains("shorter than 1e300"))
    }

    @Test func aSelfReferentialSchemaEnds() throws {
        let text = ##"{"title": "Loop", "type": "object", "properties": {"x": {"$ref": "#/$defs/A"}},"##
            + ##" "$defs": {"A": {"allOf": [{"$ref": "#/$defs/A"}, {"$ref": "#/$defs/A"}]}}}"##
        let schema = try ActionSchema(json: JSONParser().parse(text))
        guard case .failure(let error) = schema.validate(["x": 1]) else {
            Issue.record("expected the budget to run out")
            return
        }
        #expect(error.problems.contains { $0.contains("too deeply self-referential") })
    }

    @Test func errorMessagesQuoteHugeInputShortly() {
        let huge = String(repeating: "n", count: 1_000_000)
        let message = "\(DiscoveryError.unknownEnvironment(name: huge, suggestions: [], available: []))"
        #expect(message.count < 500)
        #expect(message.contains("(1000000 characters)"))
        #expect(quoted("short") == "'short'")
        #expect(throws: TransportError.self) { try ServerAddress("ftp://" + huge) }
        #expect(((try? ServerAddress("ftp://" + huge)) == nil))
        do {
            _ = try ServerAddress("ftp://" + huge)
        } catch {
            #expect("\(error)".count < 500)
        }
    }

    @Test func aDroppedConnectionWhileSendingALargeMessageSaysWhy() {
        let explained = WebSocketConnection.explain(.connectionClosed("writing failed (Connection reset by peer)"), sending: 50_000_000)
        #expect("\(explained)".contains("while sending a 50000000-byte message"))
        #expect(WebSocketConnection.explain(.connectionClosed("x"), sending: 10) == .connectionClosed("x"))
    }
}
