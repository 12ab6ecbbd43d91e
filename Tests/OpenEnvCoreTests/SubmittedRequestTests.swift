import Foundation
import Testing

@testable import OpenEnvCore

/// Requests through the I/O loop against a real openenv-core server: completion queues, Swift
/// async methods, batches, ordering with blocking calls, and closing with requests in flight.
@Suite(.serialized) struct SubmittedRequestTests {
    @Test func aQueueCollectsAnswersInOrderPerSession() throws {
        let server = try LiveServer()
        defer { server.stop() }
        let session = try EnvSession(baseURL: server.url)
        defer { session.close() }
        let queue = try CompletionQueue()
        session.submit(.reset([:]), to: queue, tag: 1)
        for index in 0..<20 { session.submit(.step(["message": .string("m\(index)")]), to: queue, tag: UInt64(10 + index)) }
        session.submit(.state, to: queue, tag: 99)
        var completions: [Completion] = []
        while completions.count < 22 {
            let batch = queue.collect(maximum: 64, timeout: 10)
            #expect(!batch.isEmpty)
            completions += batch
        }
        #expect(completions.map(\.tag) == [1] + (10..<30).map(UInt64.init) + [99])
        for (index, completion) in completions[1...20].enumerated() {
            #expect(try completion.text().contains("\"echoed_message\":\"m\(index)\""))
        }
        #expect(try completions[21].text().contains("\"step_count\":20"))
        #expect(queue.count == 0)
        // A blocking call waits its turn behind submitted ones, and sees their effect.
        session.submit(.step(["message": "queued"]), to: queue, tag: 100)
        #expect(try session.state()["step_count"] == 21)
        #expect(queue.collect(maximum: 1, timeout: 10).first?.tag == 100)
    }

    @Test func deferredSubmissionsGoOutAtOneFlushInOrder() throws {
        let server = try LiveServer()
        defer { server.stop() }
        let session = try EnvSession(baseURL: server.url)
        defer { session.close() }
        let queue = try CompletionQueue()
        for step in 0..<8 {
            session.submit(.step(["message": .string("d\(step)")]), to: queue, tag: UInt64(step), deferred: true)
        }
        EnvSession.sendDeferredSubmissions()
        var completions: [Completion] = []
        while completions.count < 8 {
            let batch = queue.collect(maximum: 64, timeout: 10)
            #expect(!batch.isEmpty)
            completions += batch
        }
        #expect(completions.map(\.tag) == (0..<8).map(UInt64.init))
        for completion in completions {
            #expect(try completion.text().contains("\"echoed_message\":\"d\(completion.tag)\""))
        }
        EnvSession.sendDeferredSubmissions()  // nothing deferred: no effect
        #expect(try session.state()["step_count"] == 8)
    }

    @Test func swiftAsyncMethodsAndBatches() async throws {
        let server = try LiveServer()
        defer { server.stop() }
        let session = try EnvSession(baseURL: server.url)
        defer { session.close() }
        let reset: StepResult = try await session.reset(["seed": 3])
        #expect(reset.observation["echoed_message"] == "Parrot Env environment ready!")
        let step: StepResult = try await session.step(["message": "async"])
        #expect(step.observation["message_length"] == 5)
        let state: JSONObject = try await session.state()
        #expect(state["step_count"] == 1)
        let results = SessionBatch.perform([(session, .step(["message": "batch"])), (session, .state)])
        #expect(String(decoding: try results[0].get(), as: UTF8.self).contains("batch"))
        #expect(String(decoding: try results[1].get(), as: UTF8.self).contains("\"step_count\":2"))
        // A member that fails keeps its place and leaves the others their results.
        let mixed = SessionBatch.perform([(session, try .message(json: Array(#"{"type": "bogus"}"#.utf8))), (session, .state)])
        guard case .failure(.server(let refusal)) = mixed[0] else {
            Issue.record("expected the server's refusal first, got \(mixed[0])")
            return
        }
        #expect(refusal.code == "UNKNOWN_TYPE")
        #expect(String(decoding: try mixed[1].get(), as: UTF8.self).contains("\"step_count\":2"))
        #expect(SessionBatch.perform([]).isEmpty)
        let raw = try await session.submitted(.message(json: Array(#"{"type": "state"}"#.utf8)))
        #expect(String(decoding: raw, as: UTF8.self).hasPrefix(#"{"type":"state""#))
    }

    @Test func serverErrorsKeepTheSessionAndClosingFailsWhatWaits() throws {
        let server = try LiveServer()
        defer { server.stop() }
        let session = try EnvSession(baseURL: server.url)
        let queue = try CompletionQueue()
        session.submit(try .message(json: Array(#"{"type": "bogus"}"#.utf8)), to: queue, tag: 1)
        let failed = queue.collect(maximum: 1, timeout: 10)
        #expect(throws: SessionError.self) { try failed.first?.outcome.get() }
        if case .failure(let error as SessionError)? = failed.first?.outcome, case .server(let server) = error {
            #expect(server.code == "UNKNOWN_TYPE")
        } else {
            Issue.record("expected a server error, got \(String(describing: failed.first?.outcome))")
        }
        #expect(!session.isClosed)
        for tag in 2...4 { session.submit(.state, to: queue, tag: UInt64(tag)) }
        session.close()
        var completions: [Completion] = []
        while completions.count < 3 {
            let batch = queue.collect(maximum: 8, timeout: 10)
            if batch.isEmpty { break }
            completions += batch
        }
        #expect(completions.count == 3)
        session.submit(.state, to: queue, tag: 5)
        guard case .failure(let error as SessionError)? = queue.collect(maximum: 1, timeout: 10).first?.outcome, case .closed = error else {
            Issue.record("a request on a closed session must fail as closed")
            return
        }
    }

    @Test func messagesMustBeObjectsWithAType() {
        #expect(throws: SessionError.self) { try SessionRequest.message(json: Array("[1]".utf8)) }
        #expect(throws: SessionError.self) { try SessionRequest.message(json: Array("{\"data\": 1}".utf8)) }
        #expect(throws: SessionError.self) { try SessionRequest.message(json: Array("nope".utf8)) }
    }

    @Test func aQueueWaitsNoLongerThanAskedAndItsDescriptorSaysWhenToLook() throws {
        let queue = try CompletionQueue()
        let started = Date()
        #expect(queue.collect(maximum: 4, timeout: 0.2).isEmpty)
        #expect(Date().timeIntervalSince(started) >= 0.15)
        var poller = pollfd(fd: queue.descriptor, events: Int16(POLLIN), revents: 0)
        #expect(poll(&poller, 1, 0) == 0)
        queue.post(Completion(tag: 7, outcome: .success(.json([]))))
        #expect(poll(&poller, 1, 0) == 1)
        #expect(queue.collect(maximum: 4).map(\.tag) == [7])
        #expect(poll(&poller, 1, 0) == 0)
        // Posted without signalling (the I/O loop's way): readable only once signalled, and
        // collectable either way.
        queue.post(Completion(tag: 8, outcome: .success(.json([]))), signalling: false)
        queue.post(Completion(tag: 9, outcome: .success(.json([]))), signalling: false)
        #expect(poll(&poller, 1, 0) == 0)
        queue.signal()
        queue.signal()
        #expect(poll(&poller, 1, 0) == 1)
        #expect(queue.collect(maximum: 1).map(\.tag) == [8])
        #expect(poll(&poller, 1, 0) == 1)
        #expect(queue.collect(maximum: 4).map(\.tag) == [9])
        #expect(poll(&poller, 1, 0) == 0)
        queue.signal()
        #expect(poll(&poller, 1, 0) == 0)
        queue.post(Completion(tag: 10, outcome: .success(.json([]))), signalling: false)
        #expect(queue.collect(maximum: 4).map(\.tag) == [10])
        #expect(poll(&poller, 1, 0) == 0)
    }
}
