import Foundation
import Testing

@testable import OpenEnvCore

/// What the reference client's connection arguments become in the engine: handshake headers,
/// a URL's query, keep-alive pings, messages passed through as they are.
@Suite(.serialized) struct ConnectionOptionsTests {
    @Test func headersAreCheckedOneByOne() throws {
        let options = try SessionOptions(json: ["headers": ["X-Trace": "7", "Authorization": "Bearer given"]])
        #expect(options.headers == ["X-Trace": "7", "Authorization": "Bearer given"])
        #expect(try options.handshakeLines(for: ServerAddress("http://127.0.0.1:1")) == "X-Trace: 7\r\nAuthorization: Bearer given\r\n")
        for (headers, problem) in [
            (JSONValue.array([]), "must be an object of strings"), (["X-A": 5], "header 'X-A' must be a string"),
            (["Bad Name": "x"], "is not a valid HTTP header name"), (["": "x"], "is not a valid HTTP header name"),
            (["Host": "evil"], "set by the WebSocket handshake itself"), (["sec-websocket-key": "x"], "set by the WebSocket handshake itself"),
            (["X-A": "a\r\nX-Injected: 1"], "holds a line break or control character"),
        ] as [(JSONValue, String)] {
            #expect { try SessionOptions(json: ["headers": headers]) } throws: { "\($0)".contains(problem) }
        }
    }

    @Test func anAuthorizationHeaderReplacesTheToken() throws {
        var options = try SessionOptions(json: ["headers": ["authorization": "Basic abc"]])
        options.bearerToken = "ignored"
        #expect(try options.requestAuthorization(for: ServerAddress("http://127.0.0.1:1")) == "Basic abc")
        #expect(try options.handshakeLines(for: ServerAddress("http://127.0.0.1:1")) == "Authorization: Basic abc\r\n")
    }

    @Test(arguments: [
        ("http://h:1?session_id=a", "", "session_id=a"), ("http://h:1/p/?q=1#f", "/p", "q=1"), ("http://h:1#frag", "", ""),
        ("h:1/a/b?x=1&y=2", "/a/b", "x=1&y=2"), ("https://h?q", "", "q"),
    ])
    func aQueryGoesWithTheUpgradeOnly(_ url: String, _ prefix: String, _ query: String) throws {
        let address = try ServerAddress(url)
        #expect(address.pathPrefix == prefix && address.query == query && address.host == "h")
        #expect(address.webSocketTarget == prefix + "/ws" + (query.isEmpty ? "" : "?" + query))
        #expect(address.description.hasSuffix(prefix) && !address.description.contains("?"))
    }

    @Test(arguments: [
        ("http://h:1?a b", "a space"), ("http://h:1/a b", "a space"), ("http://127.0.0.1\u{0}.hf.space", "a control character (U+0000)"),
        ("http://h:1/x\r\nX-Injected: 1", "a control character (U+000D)"), ("http://h:1/\u{7F}", "a control character (U+007F)"),
        ("http://h\u{85}:1", "a control character (U+0085)"), ("http://h\t:1", "a control character (U+0009)"),
        ("http://exa$mple:1", "the host 'exa$mple' holds '$'"), ("http://h\u{E9}.example", "holds 'é'"),
        ("http://[::1%eth0 ]:1", "a space"), ("http://[::1/x]:1", "unclosed IPv6 address"),
    ])
    func aURLWithASpaceOrControlCharacterIsRefused(_ url: String, _ problem: String) {
        #expect { try ServerAddress(url) } throws: { "\($0)".contains(problem) && "\($0)".contains("invalid server URL") }
    }

    @Test func wellFormedURLsStillParse() throws {
        for url in [" http://h:1/p?q=1 \n", "https://owner-space.hf.space", "http://[::1]:8000", "h_1.example:80", "http://a~b:1"] {
            _ = try ServerAddress(url)
        }
    }

    @Test func theUpgradeCarriesTheHeadersAndTheQuery() throws {
        let server = RecordingWebSocketServer()
        let options = try SessionOptions(json: ["headers": ["X-Trace": "7"], "bearer_token": "t0k"])
        let session = try EnvSession(baseURL: server.url + "/prefix?session_id=abc", options: options)
        session.close()
        let lines = server.requestHead.components(separatedBy: "\r\n")
        #expect(lines.first == "GET /prefix/ws?session_id=abc HTTP/1.1")
        #expect(lines.contains("X-Trace: 7") && lines.contains("Authorization: Bearer t0k"))
    }

    @Test func aServerThatStopsAnsweringPingsEndsTheSession() async throws {
        let server = RecordingWebSocketServer()
        let options = try SessionOptions(json: ["ping_interval": 0.1, "ping_timeout": 0.3])
        let session = try EnvSession(baseURL: server.url, options: options)
        defer { session.close() }
        let deadline = Date().addingTimeInterval(10)
        while !session.isClosed && Date() < deadline { try await Task.sleep(nanoseconds: 20_000_000) }
        #expect(session.isClosed)
        #expect(session.closeReason?.contains("no pong came within") == true)
        #expect(server.pingsReceived >= 1)
        #expect { try session.state() } throws: { "\($0)".contains("no pong came within") }
        #expect(server.waitForHangUp(seconds: 10))
    }

    @Test func aLiveServerAnswersThePingsAndTheSessionStaysOpen() async throws {
        let server = try LiveServer()
        defer { server.stop() }
        let options = try SessionOptions(json: ["ping_interval": 0.05, "ping_timeout": 0.5])
        let session = try EnvSession(baseURL: server.url, options: options)
        defer { session.close() }
        try await Task.sleep(nanoseconds: 1_000_000_000)  // some 20 pings, each answered in time
        #expect(!session.isClosed)
        let step: StepResult = try await session.step(["message": "after idling"])
        #expect(step.observation["echoed_message"] == "after idling")
    }

    @Test func aTextMessageAndItsAnswerPassThroughAsTheyAre() async throws {
        let server = try LiveServer()
        defer { server.stop() }
        let session = try EnvSession(baseURL: server.url)
        defer { session.close() }
        let state = try session.perform(.text(Array(#"{"type": "state"}"#.utf8)))
        #expect(String(decoding: state, as: UTF8.self).hasPrefix(#"{"type":"state""#))
        // A server error is an answer here, not a failure; the session goes on.
        let error = try await session.submitted(.text(Array(#"{"type": "bogus"}"#.utf8)))
        #expect(String(decoding: error, as: UTF8.self).contains(#""type":"error""#))
        let step = try session.perform(.text(Array(#"{"type":"step","data":{"message":"raw"}}"#.utf8)))
        #expect(String(decoding: step, as: UTF8.self).contains(#""echoed_message":"raw""#))
        #expect(!session.isClosed)
    }

    @Test func hangingUpKeepsTheServerUntilClose() throws {
        final class Runtime: ServerRuntime, @unchecked Sendable {
            let baseURL: String
            let lock = NSLock()
            var stops = 0
            init(_ url: String) { baseURL = url }
            func stop() { lock.withLock { stops += 1 } }
        }
        let server = RecordingWebSocketServer()
        let runtime = Runtime(server.url)
        let session = try EnvSession(baseURL: server.url, runtime: runtime)
        session.hangUp()
        session.hangUp()
        #expect(session.isClosed && runtime.lock.withLock { runtime.stops } == 0)
        #expect(server.waitForHangUp(seconds: 10))
        #expect { try session.state() } throws: { "\($0)".contains("closed by the client") }
        session.close()
        #expect(runtime.lock.withLock { runtime.stops } >= 1)
    }
}
