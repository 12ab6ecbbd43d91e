import Foundation
import Testing

@testable import OpenEnvCore

/// Event-loop (inline) queues against a real openenv-core server and a silent one: the sessions
/// opened through such a queue have their bytes moved by the thread that collects it, and by
/// whoever else waits for them (a blocking call, a batch, a Swift `async` call), never by
/// nobody; their time-outs and keep-alive pings still come; a released queue hands them to the
/// engine's I/O thread.
@Suite(.serialized) struct InlineQueueTests {
    /// Opens a session through `queue` and returns it.
    func openSession(_ url: String, through queue: CompletionQueue, options: SessionOptions = SessionOptions()) throws -> EnvSession {
        OpeningPool.shared.submit(to: queue, tag: 0) { try EnvSession(baseURL: url, options: options) }
        guard case .session(let session)? = try queue.collect(maximum: 1, timeout: 30).first?.outcome.get() else {
            throw LiveServer.SetupMissing(description: "no session opened through the queue")
        }
        return session
    }

    /// Collects until `count` completions came, or none came for ten seconds.
    func collect(_ count: Int, from queue: CompletionQueue) -> [Completion] {
        var completions: [Completion] = []
        while completions.count < count {
            let batch = queue.collect(maximum: 64, timeout: 10)
            if batch.isEmpty { break }
            completions += batch
        }
        return completions
    }


    @Test func answersWaitOnTheSocketUntilTheQueueIsCollectedAndRequestsGoOutWhenSubmittedOrFlushed() throws {
        let server = try LiveServer()
        defer { server.stop() }
        let queue = try CompletionQueue(inline: true)
        #expect(queue.isInline)
        let session = try openSession(server.url, through: queue)
        defer { session.close() }
        #expect(session.loop === queue.inlineLoop)
        session.submit(.reset([:]), to: queue, tag: 1, deferred: true)
        for index in 0..<10 { session.submit(.step(["message": .string("m\(index)")]), to: queue, tag: UInt64(10 + index), deferred: true) }
        queue.sendSubmitted()
        // The first answer makes the descriptor readable, as an event loop would see it; no
        // other thread has read it: it is still on the socket, not in the queue.
        var poller = pollfd(fd: queue.descriptor, events: Int16(POLLIN), revents: 0)
        #expect(poll(&poller, 1, 10_000) == 1)
        #expect(queue.count == 0)
        let completions = collect(11, from: queue)
        #expect(completions.map(\.tag) == [1] + (10..<20).map(UInt64.init))
        for (index, completion) in completions.dropFirst().enumerated() {
            #expect(try completion.text().contains("\"echoed_message\":\"m\(index)\""))
        }
        #expect(try session.state()["step_count"] == 10)
        // Deferred, a request makes the descriptor readable at a flush (the pass it asks for).
        #expect(poll(&poller, 1, 0) == 0)
        session.submit(.state, to: queue, tag: 1, deferred: true)
        #expect(poll(&poller, 1, 0) == 0)
        EnvSession.sendDeferredSubmissions()
        #expect(poll(&poller, 1, 0) == 1)
        #expect(collect(1, from: queue).map(\.tag) == [1])
        // Not deferred, the submitting thread writes the request itself: its answer comes
        // though nothing runs the loop (without the write, the socket would stay silent).
        session.submit(.state, to: queue, tag: 2)
        var socket = pollfd(fd: session.socket.descriptor, events: Int16(POLLIN), revents: 0)
        #expect(poll(&socket, 1, 10_000) == 1)
        #expect(queue.count == 0)
        #expect(poll(&poller, 1, 0) == 1)
        #expect(collect(1, from: queue).map(\.tag) == [2])
    }

    @Test func otherWaitersMoveTheSessionWhenNobodyCollects() async throws {
        let server = try LiveServer()
        defer { server.stop() }
        let queue = try CompletionQueue(inline: true)
        let session = try openSession(server.url, through: queue)
        defer { session.close() }
        // Submitted and never collected: a blocking call on the same thread waits its turn,
        // moving the submitted request itself.
        session.submit(.step(["message": "first"]), to: queue, tag: 1)
        let blocking = try { () throws -> JSONObject in try session.state() }()  // the blocking overload
        #expect(blocking["step_count"] == 1)
        // A batch, and Swift async calls, on the queue's session.
        let results = SessionBatch.perform([(session, .step(["message": "batch"])), (session, .state)])
        #expect(String(decoding: try results[1].get(), as: UTF8.self).contains("\"step_count\":2"))
        let step: StepResult = try await session.step(["message": "async"])
        #expect(step.observation["echoed_message"] == "async")
        let state: JSONObject = try await session.state()
        #expect(state["step_count"] == 3)
        // The first request's answer waited in the queue all along.
        #expect(queue.collect(maximum: 4).map(\.tag) == [1])
    }

    @Test func aTimeOutComesWhileTheQueueIsCollected() throws {
        let silent = RecordingWebSocketServer()
        let queue = try CompletionQueue(inline: true)
        let session = try openSession(silent.url, through: queue, options: SessionOptions(json: ["message_timeout": 0.3]))
        defer { session.close() }
        let started = Date()
        session.submit(.state, to: queue, tag: 1)
        let completion = queue.collect(maximum: 1, timeout: 20).first
        #expect(Date().timeIntervalSince(started) < 10)
        guard case .failure(let error as SessionError)? = completion?.outcome else {
            Issue.record("expected a time-out, got \(String(describing: completion?.outcome))")
            return
        }
        #expect("\(error)".contains("waiting for the answer to state"))
        #expect(session.isClosed)
    }

    @Test func keepAlivePingsGoOutWhileTheQueueIsCollected() throws {
        let silent = RecordingWebSocketServer()
        let queue = try CompletionQueue(inline: true)
        let session = try openSession(silent.url, through: queue, options: SessionOptions(json: ["ping_interval": 0.1, "ping_timeout": 0.3]))
        defer { session.close() }
        let deadline = Date().addingTimeInterval(10)
        while !session.isClosed && Date() < deadline { _ = queue.collect(maximum: 1, timeout: 0.05) }
        #expect(silent.pingsReceived >= 1)
        #expect(session.closeReason?.contains("no pong came within") == true)
    }

    @Test func aReleasedQueueHandsItsSessionsToTheIOThreadWhileTheyLive() async throws {
        let server = try LiveServer()
        defer { server.stop() }
        weak var handedOver: SessionLoop?
        do {
            let queue = try CompletionQueue(inline: true)
            handedOver = queue.inlineLoop
            let session = try openSession(server.url, through: queue)
            session.submit(.step(["message": "in flight"]), to: queue, tag: 1)
            queue.close()
            let other = try CompletionQueue()
            for index in 0..<5 { session.submit(.step(["message": .string("after \(index)")]), to: other, tag: UInt64(index)) }
            let completions = collect(5, from: other)
            #expect(completions.map(\.tag) == (0..<5).map(UInt64.init))
            #expect(try completions[4].text().contains("\"echoed_message\":\"after 4\""))
            let state: JSONObject = try await session.state()
            #expect(state["step_count"] == 6)
            session.close()
        }
        // Its last session gone, the I/O thread lets the loop go.
        #expect(await released(handedOver))
        // So is a queue released with its sessions closed already.
        weak var emptied: SessionLoop?
        do {
            let queue = try CompletionQueue(inline: true)
            emptied = queue.inlineLoop
            try openSession(server.url, through: queue).close()
            queue.close()
        }
        #expect(await released(emptied))
    }

    /// Whether `loop` is deallocated within ten seconds.
    func released(_ loop: @autoclosure () -> SessionLoop?) async -> Bool {
        let deadline = Date().addingTimeInterval(10)
        while loop() != nil && Date() < deadline { try? await Task.sleep(nanoseconds: 10_000_000) }
        return loop() == nil
    }
}
