import COpenEnvABI
import Foundation
import OpenEnvFFI
import Testing

/// The C ABI's thread cases (those of Tests/CABI/misuse_test.c) called from Swift, so that
/// the ThreadSanitizer and AddressSanitizer passes of `swift test` run them through the
/// instrumented exports: a close racing calls on one handle, a queue released under its
/// collectors, per-thread last errors, and the stack rule.
@Suite(.serialized) struct CABIThreadTests {
    /// Runs `body` on `count` threads of `stackKiB` KiB each, and waits for all (at most 60 s).
    func onThreads(_ count: Int, stackKiB: Int = 8192, _ body: @escaping @Sendable (Int) -> Void) -> Bool {
        let group = DispatchGroup()
        for index in 0..<count {
            group.enter()
            let thread = Thread {
                body(index)
                group.leave()
            }
            thread.stackSize = stackKiB * 1024
            thread.start()
        }
        return group.wait(timeout: .now() + 60) == .success
    }

    /// Results written by several threads, read after they end, in the order of their keys.
    final class Results<Value: Sendable>: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [Int: Value] = [:]
        subscript(index: Int) -> Value? {
            get { lock.withLock { values[index] } }
            set { lock.withLock { values[index] = newValue } }
        }
        var all: [Value] { lock.withLock { values.keys.sorted().map { values[$0]! } } }
    }

    /// `{"x": [[...]]}` nested `levels` deep (the object is one level).
    static func nested(_ levels: Int) -> String {
        "{\"x\": " + String(repeating: "[", count: levels - 1) + String(repeating: "]", count: levels - 1) + "}"
    }

    @Test func releasingAQueueWakesEveryCollectorWithClosed() {
        var queue: OpaquePointer?
        #expect(openenv_queue_new(&queue) == 0)
        let handle = UInt(bitPattern: queue)
        let statuses = Results<Int32>()
        let ended = onThreads(4) { index in
            if index == 0 {
                usleep(200_000)
                statuses[index] = openenv_queue_free(OpaquePointer(bitPattern: handle))
                return
            }
            var completions = [openenv_completion](repeating: openenv_completion(), count: 4)
            var count = 99
            statuses[index] = openenv_collect(OpaquePointer(bitPattern: handle), &completions, 4, -1, &count)
            if count != 0 { statuses[index] = -1 }
        }
        #expect(ended)
        #expect(statuses.all == [0, 6, 6, 6])
    }

    @Test func aCloseRacingCallsOnOneHandleEndsThemWithClosed() {
        let server = RecordingWebSocketServer()
        var env: OpaquePointer?
        #expect(openenv_connect(server.url, "{\"message_timeout\": 30}", &env) == 0)
        let handle = UInt(bitPattern: env)
        let statuses = Results<Int32>()
        let ended = onThreads(6) { index in
            let env = OpaquePointer(bitPattern: handle)
            switch index {
            case 0:
                usleep(300_000)
                statuses[index] = openenv_close(env)
            case 1, 2:  // calls blocked on a server that never answers
                var out: UnsafeMutablePointer<CChar>?
                statuses[index] = openenv_reset(env, nil, &out)
                openenv_string_free(out)
            default:  // look-ups of the handle until it closes, and queues made and released meanwhile
                var open: Int32 = 1
                var status: Int32 = 0
                var rounds = 0
                while open == 1 && status == 0 && rounds < 1_000_000 {
                    status = openenv_is_open(env, &open)
                    var queue: OpaquePointer?
                    if openenv_queue_new(&queue) == 0 { _ = openenv_queue_free(queue) }
                    rounds += 1
                }
                statuses[index] = open == 0 ? status : -1
            }
        }
        #expect(ended)
        #expect(statuses.all == [0, 6, 6, 0, 0, 0])
    }

    @Test func lastErrorsArePerThread() {
        let messages = Results<Int32>()
        let texts = Results<String>()
        let ended = onThreads(2) { index in
            var out: UnsafeMutablePointer<CChar>?
            let name = index == 0 ? "no-such-environment-here" : ""
            messages[index] = openenv_env_info(name, nil, &out)
            usleep(100_000)  // both have failed before either reads its message
            texts[index] = String(cString: openenv_last_error())
        }
        #expect(ended)
        #expect(messages.all == [3, 2])
        #expect(texts[0]?.contains("no-such-environment-here") == true)
        #expect(texts[1]?.contains("no-such-environment-here") == false && texts[1]?.isEmpty == false)
    }

    @Test func aThreadWithTooLittleStackIsRefusedAndOneWithRoomReadsTheDeepestDocument() {
        let statuses = Results<Int32>()
        let texts = Results<String>()
        // This debug build asks for more stack than the release library (see CallerStack).
        let cramped = onThreads(1, stackKiB: 64) { _ in
            var out: UnsafeMutablePointer<CChar>?
            statuses[0] = openenv_validate_action("{\"type\": \"object\"}", Self.nested(128), &out)
            openenv_string_free(out)
            texts[0] = String(cString: openenv_last_error())
        }
        let roomy = onThreads(1) { _ in
            for levels in 128...129 {
                var out: UnsafeMutablePointer<CChar>?
                statuses[levels] = openenv_validate_action("{\"type\": \"object\"}", Self.nested(levels), &out)
                openenv_string_free(out)
            }
        }
        #expect(cramped && roomy)
        #expect(statuses.all == [2, 0, 2])
        #expect(texts[0]?.contains("KiB of stack left") == true)
    }
}
