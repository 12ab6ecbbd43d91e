import COpenEnvABI
import OpenEnvCore

#if canImport(Glibc)
import Glibc
#endif

@_cdecl("openenv_queue_new")
public func openenv_queue_new(_ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    exported {
        let out = try checkOut(out, named: "out_queue")
        out.pointee = queueHandles.insert(try CompletionQueue())
    }
}

@_cdecl("openenv_queue_new_inline")
public func openenv_queue_new_inline(_ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    exported {
        let out = try checkOut(out, named: "out_queue")
        out.pointee = queueHandles.insert(try CompletionQueue(inline: true))
    }
}

@_cdecl("openenv_queue_run")
public func openenv_queue_run(_ queue: OpaquePointer?) -> Int32 {
    exported {
        try queueHandles.object(queue, named: "queue").sendSubmitted()
    }
}

@_cdecl("openenv_queue_fd")
public func openenv_queue_fd(_ queue: OpaquePointer?, _ out: UnsafeMutablePointer<Int32>?) -> Int32 {
    exported {
        guard let out else { throw FFIError(.invalidArgument, "out_fd is NULL; pass the address of an int") }
        out.pointee = try queueHandles.object(queue, named: "queue").descriptor
    }
}

@_cdecl("openenv_queue_free")
public func openenv_queue_free(_ queue: OpaquePointer?) -> Int32 {
    exported {
        guard let queue else { return }
        // Collectors waiting on it hold their own reference: they wake, and the queue (and its
        // descriptor) goes when the last of them leaves.
        try queueHandles.remove(queue, named: "queue")?.close()
    }
}

@_cdecl("openenv_collect")
public func openenv_collect(
    _ queue: OpaquePointer?, _ out: UnsafeMutablePointer<openenv_completion>?, _ capacity: Int, _ timeout: Double,
    _ count: UnsafeMutablePointer<Int>?
) -> Int32 {
    exported {
        guard let count else { throw FFIError(.invalidArgument, "out_count is NULL; pass the address of a size_t") }
        count.pointee = 0
        let queue = try queueHandles.object(queue, named: "queue")
        guard let out, capacity > 0 else { throw FFIError(.invalidArgument, "out is NULL or capacity is 0; pass an array of openenv_completion and its length") }
        guard !timeout.isNaN else { throw FFIError(.invalidArgument, "timeout_s is NaN; pass seconds, 0 for no wait or a negative number for no limit") }
        let completions = queue.collect(maximum: capacity, timeout: timeout)
        if completions.isEmpty && queue.isClosed {
            throw FFIError(.closed, "the queue was released (openenv_queue_free) during this call; make a new one with openenv_queue_new")
        }
        for (index, completion) in completions.enumerated() { out[index] = cCompletion(completion) }
        count.pointee = completions.count
    }
}

@_cdecl("openenv_submit")
public func openenv_submit(_ env: OpaquePointer?, _ queue: OpaquePointer?, _ op: Int32, _ json: UnsafePointer<CChar>?, _ tag: UInt64) -> Int32 {
    exported {
        let session = try sessionHandles.session(env)
        let queue = try queueHandles.object(queue, named: "queue")
        let deferred = op & submitDeferred != 0
        session.submit(try request(op & ~submitDeferred, json), to: queue, tag: tag, deferred: deferred)
    }
}

/// `OPENENV_SUBMIT_DEFERRED`, or'ed into `openenv_submit`'s op.
private let submitDeferred: Int32 = 0x100

@_cdecl("openenv_submit_flush")
public func openenv_submit_flush() -> Int32 {
    exported {
        EnvSession.sendDeferredSubmissions()
    }
}

@_cdecl("openenv_submit_open")
public func openenv_submit_open(
    _ queue: OpaquePointer?, _ how: Int32, _ target: UnsafePointer<CChar>?, _ options: UnsafePointer<CChar>?, _ tag: UInt64
) -> Int32 {
    exported {
        let queue = try queueHandles.object(queue, named: "queue")
        let text = try string(target, named: "target")
        let options = try json(options, named: "options_json")
        let open: @Sendable () throws -> EnvSession
        switch how {
        case 1: open = { try EnvSession(baseURL: text, options: SessionOptions(json: options)) }
        case 2: open = { try EnvironmentLauncher.open(text, options: LaunchOptions(json: options)) }
        case 3: open = { try EnvironmentLauncher.openHub(text, options: LaunchOptions(json: options)) }
        default: throw FFIError(.invalidArgument, "how is \(how); pass OPENENV_OPEN_CONNECT, OPENENV_OPEN_FROM_ENV or OPENENV_OPEN_FROM_HUB")
        }
        OpeningPool.shared.submit(to: queue, tag: tag, open)
    }
}

@_cdecl("openenv_run_batch")
public func openenv_run_batch(
    _ op: Int32, _ envs: UnsafePointer<OpaquePointer?>?, _ jsons: UnsafePointer<UnsafePointer<CChar>?>?, _ count: Int,
    _ out: UnsafeMutablePointer<openenv_completion>?
) -> Int32 {
    exported {
        guard count >= 0 else { throw FFIError(.invalidArgument, "count is negative") }
        guard count > 0 else { return }
        guard let envs, let out else { throw FFIError(.invalidArgument, "envs or out is NULL; pass arrays of count elements") }
        var requests: [(EnvSession, SessionRequest)] = []
        requests.reserveCapacity(min(count, 4096))  // a count past the caller's arrays must not become one huge allocation
        for index in 0..<count {
            do throws(FFIError) {
                requests.append((try sessionHandles.session(envs[index]), try request(op, jsons?[index])))
            } catch {
                throw FFIError(error.status, "envs[\(index)]/jsons[\(index)]: \(error.message)")
            }
        }
        for (index, result) in SessionBatch.perform(requests).enumerated() {
            out[index] = cCompletion(Completion(tag: UInt64(index), outcome: result.map { .json($0) }.mapError { $0 }))
        }
    }
}

@_cdecl("openenv_send")
public func openenv_send(
    _ env: OpaquePointer?, _ message: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 {
    performed(env, op: 4, message, out: out, named: "out_json")
}

@_cdecl("openenv_exchange")
public func openenv_exchange(
    _ env: OpaquePointer?, _ text: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 {
    performed(env, op: 5, text, out: out, named: "out_text")
}

/// `openenv_send` and `openenv_exchange`: performs request `op` with its text argument on the
/// caller's thread and gives back the answer's text.
private func performed(
    _ env: OpaquePointer?, op: Int32, _ argument: UnsafePointer<CChar>?, out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
    named outName: String
) -> Int32 {
    exported {
        let out = try checkOut(out, named: outName)
        let session = try sessionHandles.session(env)
        try give(session.perform(request(op, argument)), to: out)
    }
}

/// The request `op` (OPENENV_OP_*) asks for, with its JSON argument.
private func request(_ op: Int32, _ pointer: UnsafePointer<CChar>?) throws(FFIError) -> SessionRequest {
    switch op {
    case 1: return .reset(try object(pointer, named: "json", orEmpty: true))
    case 2: return .step(try object(pointer, named: "json", orEmpty: false))
    case 3: return .state
    case 4:
        guard let pointer else { throw FFIError(.invalidArgument, "the message is NULL; pass a JSON object such as {\"type\": \"state\"}") }
        do {
            return try .message(json: Array(UnsafeRawBufferPointer(start: pointer, count: strlen(pointer))))
        } catch {
            throw FFIError(error)
        }
    case 5: return .text(Array(try string(pointer, named: "text").utf8))
    default:
        throw FFIError(.invalidArgument, "op is \(op); pass OPENENV_OP_RESET, OPENENV_OP_STEP, OPENENV_OP_STATE, OPENENV_OP_MESSAGE or OPENENV_OP_TEXT")
    }
}

/// A completion in the C layout, its strings and session handed to the caller.
private func cCompletion(_ completion: Completion) -> openenv_completion {
    var result = openenv_completion(tag: completion.tag, status: 0, json: nil, error: nil, env: nil)
    switch completion.outcome {
    case .success(.json(let bytes)):
        result.json = cText(bytes)
    case .success(.session(let session)):
        result.env = sessionHandles.insert(session)
    case .failure(let error):
        let failure = FFIError(error)
        result.status = failure.status.rawValue
        result.error = strdup(failure.message)
        result.json = strdup(failure.details.serialized())
    }
    return result
}
