import Foundation
import Testing

@testable import OpenEnvCore

/// Swift's `EnvSession` keeps its session through long pauses, by itself, against a real server
/// that drops any client not answering its pings within a second (uvicorn's
/// `--ws-ping-interval 1 --ws-ping-timeout 1`); a session really lost fails loudly (the other
/// faces: bindings/python/tests/test_keepalive.py).
@Suite(.serialized) struct IdleSessionTests {
    static let pinging = ["--ws-ping-interval", "1", "--ws-ping-timeout", "1"]

    @Test func blockingAndAwaitedCallsKeepTheirEpisodeThroughAPause() async throws {
        let server = try LiveServer(arguments: Self.pinging)
        defer { server.stop() }
        let session = try EnvSession(baseURL: server.url)
        defer { session.close() }
        // As fast as it goes on this thread: the I/O loop sets the socket aside for these
        // blocking calls, and must take it back once they stop.
        let before = try blocking {
            _ = try session.reset()
            for index in 0..<200 { _ = try session.step(["message": .string("hot \(index)")]) }
            return try session.state()
        }
        try await Task.sleep(nanoseconds: 5_000_000_000)  // the caller is away; the server pings 5 times meanwhile
        let after = try blocking {
            #expect(try session.step(["message": "after a pause"]).observation["echoed_message"] == "after a pause")
            return try session.state()
        }
        #expect(after["episode_id"] == before["episode_id"] && after["step_count"] == 201)
        try await Task.sleep(nanoseconds: 3_000_000_000)
        let awaited: StepResult = try await session.step(["message": "awaited"])
        #expect(awaited.observation["echoed_message"] == "awaited")
        let state: JSONObject = try await session.state()
        #expect(state["episode_id"] == before["episode_id"] && state["step_count"] == 202)
    }

    /// A check due in the past whose table was emptied elsewhere (a session closed or unwatched,
    /// an inline loop adopted or released) is cleared, not left due: left due, it made the I/O
    /// thread's wait for its batch window return at once, a spin (strace: six zero-timeout
    /// `epoll_wait`s per `.sync()` step, 15% more client CPU per step).
    @Test func checksWithNothingLeftToCheckAreNotLeftDue() {
        let loop = SessionLoop(inline: true)
        defer { loop.handOver(queueSignal: -1) }
        loop.nextHeldCheck = 1
        loop.nextInlineCheck = 1
        loop.checkHeldAside()
        loop.checkInlineLoops()
        #expect(loop.nextHeldCheck == .max && loop.nextInlineCheck == .max)
    }

    /// Runs `body` as synchronous code (where a session's calls are the blocking ones).
    func blocking<T>(_ body: () throws -> T) throws -> T { try body() }

    @Test func aServerKilledWhileTheSessionIdlesIsNoticedAndTheNextCallSaysWhy() throws {
        let server = try LiveServer()
        let session = try EnvSession(baseURL: server.url)
        defer { session.close() }
        _ = try session.reset()
        kill(server.process.processIdentifier, SIGKILL)
        server.process.waitUntilExit()
        let deadline = Date().addingTimeInterval(3)
        while !session.isClosed && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        #expect(session.isClosed)
        #expect { try session.step(["message": "late"]) } throws: { error in
            guard case .transport(.connectionLost(let reason))? = error as? SessionError else { return false }
            return reason.contains("while the session was idle")
        }
        // The loss is reported once; then the session is simply closed.
        #expect { try session.state() } throws: { ($0 as? SessionError).map { if case .closed = $0 { true } else { false } } ?? false }
    }

    @Test func aServerThatStopsAnsweringIsFoundByTheEnginesPings() throws {
        let silent = RecordingWebSocketServer()
        let session = try EnvSession(baseURL: silent.url, options: SessionOptions(json: ["ping_interval": 0.2, "ping_timeout": 0.3]))
        defer { session.close() }
        let deadline = Date().addingTimeInterval(5)
        while !session.isClosed && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        #expect(session.isClosed)
        #expect(silent.pingsReceived >= 1)
        #expect { try session.state() } throws: { "\($0)".contains("no pong came within 0.3 s") }
    }

    @Test(arguments: [(JSONValue.integer(0), 0), (.bool(false), 0), (.double(0.1), 1)])
    func pingsGoOutOnlyWhenAsked(_ setting: JSONValue, atLeast: Int) throws {
        let silent = RecordingWebSocketServer()
        let session = try EnvSession(baseURL: silent.url, options: SessionOptions(json: ["ping_interval": setting, "ping_timeout": 0]))
        defer { session.close() }
        Thread.sleep(forTimeInterval: 1)
        #expect(atLeast == 0 ? silent.pingsReceived == 0 : silent.pingsReceived >= atLeast)
        #expect(!session.isClosed)  // no pong waited for (ping_timeout 0): the silent server does not end it
    }

    @Test func pingOptionsHaveTheReferencesDefaultsAndCanBeSwitchedOff() throws {
        let defaults = SessionOptions()
        #expect(defaults.pingInterval == 20 && defaults.pingTimeout == 20)
        #expect(try SessionOptions(json: ["ping_interval": false, "ping_timeout": 0]).pingInterval == nil)
        #expect(try SessionOptions(json: ["ping_timeout": 0]).pingTimeout == nil)
        #expect(try SessionOptions(json: ["ping_interval": .null]).pingInterval == 20)
        for bad: JSONValue in [-1, "20", true, .double(.infinity)] {
            #expect { try SessionOptions(json: ["ping_interval": bad]) } throws: { "\($0)".contains("or 0 (or false) to switch it off") }
        }
    }
}
