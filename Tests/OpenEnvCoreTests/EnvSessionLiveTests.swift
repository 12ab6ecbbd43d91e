import Foundation
import Testing

@testable import OpenEnvCore

/// EnvSession against a real openenv-core server, including the frames only a broken client
/// would send, to check each server error code of PROTOCOL.md is reported as it should be.
@Suite(.serialized) struct EnvSessionLiveTests {
    /// The server error `body` fails with, or nil (recording an issue) when it fails otherwise or not at all.
    func serverError(_ body: () throws(SessionError) -> Void) -> ServerError? {
        let result = Result { () throws(SessionError) in try body() }
        guard case .failure(let failure) = result, case .server(let error) = failure else {
            Issue.record("expected a server error, got \(result)")
            return nil
        }
        return error
    }

    @Test func anEpisode() throws {
        let server = try LiveServer()
        defer { server.stop() }
        let session = try EnvSession(baseURL: server.url)
        defer { session.close() }
        let reset = try session.reset(["seed": 42])
        #expect(reset.observation["echoed_message"] == "Parrot Env environment ready!")
        #expect(reset.reward == .double(0))
        let step = try session.step(["message": "héllo 🎉"])
        #expect(step.observation["echoed_message"] == "héllo 🎉")
        #expect(step.observation["message_length"] == 7)
        #expect(step.done == false)
        #expect(try session.state()["step_count"] == 1)
        #expect(try session.metadata()["name"] == "ParrotEnvironment")
        #expect(try session.schema()["action"]?["properties"]?["message"] != nil)
        #expect(try session.health() == ["status": "healthy"])
    }

    @Test(arguments: [
        ("not json at all", "INVALID_JSON"),
        ("{\"type\": \"bogus\"}", "UNKNOWN_TYPE"),
        ("{\"type\": \"step\"}", "VALIDATION_ERROR"),
        ("{\"type\": \"step\", \"data\": {\"message\": 5}}", "VALIDATION_ERROR"),
    ], [AnswerReading.parsed, .checked])
    func errorsThatKeepTheSession(_ example: (frame: String, code: String), _ reading: AnswerReading) throws {
        let (frame, code) = example
        let server = try LiveServer()
        defer { server.stop() }
        let session = try EnvSession(baseURL: server.url)
        defer { session.close() }
        let error = serverError { () throws(SessionError) in
            _ = try session.exchange(frame: Array(frame.utf8), type: "test", expecting: "observation", reading: reading)
        }
        #expect(error?.code == code)
        #expect(error?.closesSession == false)
        if frame.contains("5") { #expect(error?.details["errors"]?.arrayValue?.isEmpty == false) }
        #expect(!session.isClosed)
        #expect(try session.step(["message": "still here"]).observation["echoed_message"] == "still here")
    }

    @Test func aFrameThatIsNotAnObjectEndsTheSession() throws {
        let server = try LiveServer()
        defer { server.stop() }
        let session = try EnvSession(baseURL: server.url)
        defer { session.close() }
        let error = serverError { () throws(SessionError) in
            _ = try session.exchange(frame: Array("[1, 2]".utf8), type: "test", expecting: "observation")
        }
        #expect(error?.code == "SESSION_ERROR")
        #expect(error?.closesSession == true)
        #expect(session.isClosed)
        #expect(throws: SessionError.self) { try session.reset() }
    }

    @Test func capacityReachedCarriesTheCounts() throws {
        let server = try LiveServer()
        defer { server.stop() }
        let first = try EnvSession(baseURL: server.url)
        defer { first.close() }
        _ = try first.reset()
        let second = try EnvSession(baseURL: server.url)
        defer { second.close() }
        let error = serverError { () throws(SessionError) in _ = try second.reset() }
        #expect(error?.code == "CAPACITY_REACHED")
        #expect(error?.details["active_sessions"] == 1)
        #expect(error?.details["max_sessions"] == 1)
        #expect(error?.description.contains("1 of 1 sessions in use") == true)
        #expect(second.isClosed)
    }

    @Test func closeIsSafeFromAnyThreadAndTwice() throws {
        let server = try LiveServer()
        defer { server.stop() }
        let session = try EnvSession(baseURL: server.url)
        _ = try session.reset()
        DispatchQueue.concurrentPerform(iterations: 4) { _ in session.close() }
        #expect(session.isClosed)
        #expect(throws: SessionError.closed(reason: "closed by the client")) { try session.step(["message": "x"]) }
    }
}

@Suite struct ServerAddressTests {
    @Test(arguments: [
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000", "ws://127.0.0.1:8000/ws"),
        ("https://owner-space.hf.space", "https://owner-space.hf.space", "wss://owner-space.hf.space/ws"),
        ("localhost:9000/prefix/", "http://localhost:9000/prefix", "ws://localhost:9000/prefix/ws"),
        ("ws://[::1]:8000/a/b?x=1", "http://[::1]:8000/a/b", "ws://[::1]:8000/a/b/ws?x=1"),
        ("HTTP://Example.com:80", "http://Example.com", "ws://Example.com/ws"),
    ])
    func derivesTheEndpoints(_ url: String, _ http: String, _ webSocket: String) throws {
        let address = try ServerAddress(url)
        #expect(address.description == http)
        #expect(address.webSocketURL == webSocket)
    }

    @Test(arguments: ["", "ftp://x", "http://", "http://host:0", "http://host:70000", "http://user@host", "http://[::1"])
    func refusesBadURLs(_ url: String) {
        #expect(throws: TransportError.self) { try ServerAddress(url) }
    }

    @Test func sha1AndBase64MatchTheRFCExample() {
        // RFC 6455 section 1.3: key dGhlIHNhbXBsZSBub25jZQ== gives s3pPLMBiTxaQ9kYGzzhZRbK+xOo=.
        let accept = base64(sha1(Array("dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11".utf8)))
        #expect(accept == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        #expect(base64([]) == "" && base64([0x66]) == "Zg==" && base64([0x66, 0x6f]) == "Zm8=")
    }
}
