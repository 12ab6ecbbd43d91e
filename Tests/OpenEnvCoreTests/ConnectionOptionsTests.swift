import Foundation
import Testing

@testable import OpenEnvCore

/// What the reference client's connection arguments become in the engine: handshake headers,
/// a URL's query, keep-alive pings, messages passed through as they are, and a server that
/// stands for a Hugging Face Space.
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

    @Test func aServerStandingForASpaceGetsTheHuggingFaceToken() throws {
        let saved = FileSystem.environment("HF_TOKEN")
        setenv("HF_TOKEN", "hf_abc", 1)
        defer { if let saved { setenv("HF_TOKEN", saved, 1) } else { unsetenv("HF_TOKEN") } }
        let local = try ServerAddress("http://127.0.0.1:8000")
        #expect(try SessionOptions(json: ["hub_space": true]).authorization(for: local) == "Bearer hf_abc")
        #expect(try SessionOptions(json: ["hub_space": false]).authorization(for: local) == nil)
        #expect(try SessionOptions(json: ["hub_space": true, "bearer_token": "mine"]).authorization(for: local) == "Bearer mine")
        #expect { try SessionOptions(json: ["hub_space": "yes"]) } throws: { "\($0)".contains("'hub_space' must be true or false") }
        #expect(try LaunchOptions(json: ["base_url": "http://127.0.0.1:9"]).session(for: "owner/space").standsForHubSpace)
        #expect(try !LaunchOptions(json: ["base_url": "http://127.0.0.1:9"]).session(for: "parrot").standsForHubSpace)
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

    @Test func aQueryWithASpaceIsRefused() {
        #expect { try ServerAddress("http://h:1?a b") } throws: { "\($0)".contains("percent-encode it") }
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
