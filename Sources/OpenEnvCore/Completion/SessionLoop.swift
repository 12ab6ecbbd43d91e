
import CLinux

#if canImport(Glibc)
import Glibc
#endif

/// A request handed to the I/O loop, with where its outcome goes.
struct Submission: Sendable {
    /// The request; nil for a keep-alive ping, whose answer is a pong.
    let request: SessionRequest?
    /// Called once, on the loop's thread, with the checked answer (parsed, and as received)
    /// or why there is none.
    let deliver: @Sendable (Result<(answer: JSONValue, bytes: [UInt8]), SessionError>) -> Void

    /// What is on the wire, for messages.
    var type: String { request?.type ?? "keep-alive ping" }
}

/// The loop's bookkeeping for one session. Touched on the loop's thread only.
final class SessionSubmissions: @unchecked Sendable {
    /// Requests waiting for their turn, oldest first (`head` is the next).
    var pending: [Submission] = []
    var head = 0
    /// The request on the wire, if any; the loop holds the session's `callLock` while it is.
    var current: Submission?
    /// When the request on the wire times out (monotonic nanoseconds).
    var deadline: UInt64 = 0
    /// Whether the socket is in the loop's epoll set, and whether for writability too (only
    /// while a frame could not be written whole).
    var registered = false
    var watchesWritable = false
    /// When the next keep-alive ping is due (monotonic nanoseconds), for sessions with a
    /// `ping_interval`.
    var nextPing: UInt64 = 0
    /// Pongs counted before the keep-alive ping on the wire went out.
    var pongsBeforePing = 0
}

/// The engine's I/O loop: one thread that moves the bytes of every submitted request, for any
/// number of sessions, with epoll readiness and non-blocking sockets (TLS included), and posts
/// each answer as a completion.
///
/// Per session, requests go on the wire one at a time in submission order, so an answer can
/// only ever belong to the request before it. While a submitted request is on the wire the
/// loop holds the session's `callLock`: a blocking call on the same session waits its turn.
final class SessionLoop: @unchecked Sendable {
    /// The loop of this process, started on first use.
    static let shared = SessionLoop()

    private enum Work {
        case submit(EnvSession, Submission)
        case keepAlive(EnvSession)
        case forget(EnvSession)
    }

    private let epoll: Int32
    private let wake: Int32
    private let lock = Mutex()
    private var inbox: [Work] = []
    private var wakePending = false
    // The loop thread's own state.
    private var sessions: [Int32: EnvSession] = [:]
    /// Sessions with a request (or keep-alive ping) on the wire.
    private var onWire: [ObjectIdentifier: EnvSession] = [:]
    /// Sessions whose next request waits for a blocking call to let go of the session
    /// (retried every millisecond).
    private var lockWaiters: [ObjectIdentifier: EnvSession] = [:]
    /// Sessions with a `ping_interval`, pinged while idle.
    private var keptAlive: [ObjectIdentifier: EnvSession] = [:]
    /// No request on the wire times out before this (monotonic nanoseconds); a lower bound,
    /// made exact whenever it passes. The loop scans `onWire` for time-outs only then, not at
    /// every wake-up: with a thousand sessions stepping, a scan per answer would cost more
    /// than the answers.
    private var earliestDeadline = UInt64.max
    /// No keep-alive ping is due before this (monotonic nanoseconds); a lower bound, as above.
    private var earliestPing = UInt64.max
    /// Queues given completions during this pass, signalled once at its end.
    private var unsignalled: [ObjectIdentifier: CompletionQueue] = [:]

    private init() {
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        wake = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        precondition(epoll >= 0 && wake >= 0, "cannot create the I/O loop's epoll and eventfd: \(String(cString: strerror(errno)))")
        var event = epoll_event(events: EPOLLIN.rawValue, data: epoll_data_t(fd: wake))
        epoll_ctl(epoll, EPOLL_CTL_ADD, wake, &event)
        LibraryThread.start(named: "openenv-io", stackSize: 1 << 20) { [self] in run() }
    }

    /// Queues `submission` on `session`; its `deliver` runs when the answer (or a failure)
    /// comes. Never blocks. With `wakingTheLoop` false the loop is not woken for it: it goes on
    /// the wire at the next `wakeForDeferred()` (or anything else that wakes the loop), so that
    /// many submissions made together cost the loop one wake-up.
    func submit(_ submission: Submission, on session: EnvSession, wakingTheLoop: Bool = true) {
        session.submittedUnderWay.enter()
        let counted = Submission(request: submission.request) { outcome in
            submission.deliver(outcome)
            session.submittedUnderWay.leave()
        }
        post(.submit(session, counted), waking: wakingTheLoop)
    }

    /// Wakes the loop for the submissions made without waking it, if any wait.
    func wakeForDeferred() {
        let needsWake = lock.withLock { () -> Bool in
            guard !inbox.isEmpty, !wakePending else { return false }
            wakePending = true
            return true
        }
        if needsWake { _ = eventfd_write(wake, 1) }
    }

    /// Pings `session` every `ping_interval` seconds while it is idle, until it closes; no
    /// pong within `ping_timeout` ends the session.
    func keepAlive(_ session: EnvSession) {
        post(.keepAlive(session))
    }

    /// Drops a closed session from the loop (its pending requests fail as closed).
    func forget(_ session: EnvSession) {
        post(.forget(session))
    }

    private func post(_ work: Work, waking: Bool = true) {
        let needsWake = lock.withLock { () -> Bool in
            inbox.append(work)
            guard waking, !wakePending else { return false }
            wakePending = true
            return true
        }
        if needsWake { _ = eventfd_write(wake, 1) }
    }

    private func run() {
        var events = [epoll_event](repeating: epoll_event(), count: 256)
        while true {
            let count = epoll_wait(epoll, &events, Int32(events.count), timeoutMilliseconds())
            for index in 0..<max(0, Int(count)) {
                let descriptor = events[index].data.fd
                if descriptor == wake {
                    takeInbox()
                } else if let session = sessions[descriptor] {
                    pump(session, readable: true)
                }
            }
            expireAndRetry()
            sendDuePings()
            for queue in unsignalled.values { queue.signal() }
            unsignalled.removeAll(keepingCapacity: true)
        }
    }

    /// Signals `queue` at the end of the loop's current pass. Call on the loop's thread only
    /// (from a `Submission.deliver` that posted to `queue` without signalling).
    func signalAfterThisPass(_ queue: CompletionQueue) {
        unsignalled[ObjectIdentifier(queue)] = queue
    }

    private func takeInbox() {
        var count: eventfd_t = 0
        _ = eventfd_read(wake, &count)
        let works = lock.withLock { () -> [Work] in
            wakePending = false
            defer { inbox.removeAll(keepingCapacity: true) }
            return inbox
        }
        for work in works {
            switch work {
            case .submit(let session, let submission):
                session.submissions.pending.append(submission)
                pump(session, readable: false)
            case .keepAlive(let session):
                guard let interval = session.options.pingInterval else { continue }
                session.submissions.nextPing = Deadline(seconds: interval).uptimeNanoseconds
                earliestPing = min(earliestPing, session.submissions.nextPing)
                keptAlive[ObjectIdentifier(session)] = session
            case .forget(let session):
                keptAlive[ObjectIdentifier(session)] = nil
                if session.submissions.current == nil { pump(session, readable: false) }
            }
        }
    }

    /// Moves `session` as far as it can go now: starts its next request, writes, reads, and
    /// delivers answers, until it waits for the socket, for its `callLock`, or has nothing to do.
    /// `readable`: epoll announced the socket. Otherwise the socket is read only when bytes
    /// wait that epoll would not announce, which saves a `recv` that would find nothing.
    private func pump(_ session: EnvSession, readable: Bool) {
        let state = session.submissions
        var readable = readable
        while true {
            if state.current == nil {
                guard begin(session) else { return }
            }
            let submission = state.current!
            let outcome: Result<(answer: JSONValue, bytes: [UInt8]), SessionError>
            do throws(TransportError) {
                let written = try session.socket.flushOutput()
                watchWritable(session, !written)
                guard written, readable || session.socket.hasUnreadBytes else { return }
                guard let request = submission.request else {
                    guard try session.socket.pollPong(after: state.pongsBeforePing) else { return }
                    readable = session.socket.hasUnreadBytes
                    finish(session, .success((.null, [])))
                    continue
                }
                guard let received = try session.socket.pollMessage() else { return }
                readable = session.socket.hasUnreadBytes
                outcome = Result { () throws(SessionError) in
                    try session.conclude(received, type: request.type, expecting: request.expecting, reading: request.answerReading)
                }
            } catch {
                outcome = .failure(session.endSession(because: .transport(error)))
            }
            finish(session, outcome)
        }
    }

    /// Puts the session's next pending request on the wire; false when there is none, or when
    /// a blocking call holds the session (retried within a millisecond).
    private func begin(_ session: EnvSession) -> Bool {
        let state = session.submissions
        let closeReason = session.closeReason
        guard state.head < state.pending.count, closeReason == nil else {
            // Nothing to put on the wire: the queue is empty, or the session closed, which
            // fails whatever still waits.
            let waiting = state.pending[state.head...]
            state.pending.removeAll(keepingCapacity: true)
            state.head = 0
            if let closeReason {
                for submission in waiting { submission.deliver(.failure(.closed(reason: closeReason))) }
                unregister(session)
            }
            onWire[ObjectIdentifier(session)] = nil
            lockWaiters[ObjectIdentifier(session)] = nil
            return false
        }
        guard session.callLock.tryLock() else {
            lockWaiters[ObjectIdentifier(session)] = session
            return false
        }
        lockWaiters[ObjectIdentifier(session)] = nil
        let submission = state.pending[state.head]
        state.head += 1
        let frame = submission.request?.frame ?? []
        do throws(SessionError) {
            try session.checkSize(of: frame)
        } catch {
            session.callLock.unlock()
            submission.deliver(.failure(error))
            return begin(session)
        }
        putOnWire(session, submission, timeout: session.options.messageTimeout)
        do throws(TransportError) {
            try session.socket.queue(text: frame)
        } catch {
            finish(session, .failure(session.endSession(because: .transport(error))))
            return state.current != nil || begin(session)
        }
        return true
    }

    /// Makes `submission` the session's request on the wire, due within `timeout` seconds.
    private func putOnWire(_ session: EnvSession, _ submission: Submission, timeout: Double) {
        let state = session.submissions
        state.current = submission
        state.deadline = Deadline(seconds: timeout).uptimeNanoseconds
        earliestDeadline = min(earliestDeadline, state.deadline)
        onWire[ObjectIdentifier(session)] = session
        register(session)
    }

    /// Delivers the outcome of the request on the wire and frees the session for the next.
    private func finish(_ session: EnvSession, _ outcome: Result<(answer: JSONValue, bytes: [UInt8]), SessionError>) {
        let state = session.submissions
        guard let submission = state.current else { return }
        state.current = nil
        session.callLock.unlock()
        submission.deliver(outcome)
    }

    /// Retries sessions that waited for their lock and, once the earliest deadline has come,
    /// fails the requests past theirs and finds the next earliest.
    private func expireAndRetry() {
        for session in Array(lockWaiters.values) { pump(session, readable: false) }
        let now = Deadline.now()
        guard now >= earliestDeadline else { return }
        earliestDeadline = .max
        for session in Array(onWire.values) {
            let state = session.submissions
            guard let submission = state.current else { continue }
            guard now >= state.deadline else {
                earliestDeadline = min(earliestDeadline, state.deadline)
                continue
            }
            let seconds = submission.request == nil ? session.pingTimeout : session.options.messageTimeout
            let error = TransportError.timedOut("waiting for the answer to \(submission.type)", seconds: seconds)
            finish(session, .failure(session.endSession(because: .transport(error))))
            pump(session, readable: false)
        }
    }

    /// Puts a keep-alive ping on the wire of each idle session whose ping is due. A session
    /// busy with a request, or held by a blocking call, is skipped until its next turn.
    private func sendDuePings() {
        let now = Deadline.now()
        guard now >= earliestPing else { return }
        earliestPing = .max
        for session in Array(keptAlive.values) {
            let state = session.submissions
            guard state.nextPing <= now else {
                earliestPing = min(earliestPing, state.nextPing)
                continue
            }
            state.nextPing = Deadline(seconds: session.options.pingInterval ?? 0).uptimeNanoseconds
            earliestPing = min(earliestPing, state.nextPing)
            guard !session.isClosed else {
                keptAlive[ObjectIdentifier(session)] = nil
                continue
            }
            guard state.current == nil, state.head >= state.pending.count, session.callLock.tryLock() else { continue }
            state.pongsBeforePing = session.socket.pongsReceived
            putOnWire(session, Submission(request: nil) { _ in }, timeout: session.pingTimeout)
            do throws(TransportError) {
                try session.socket.queuePing()
            } catch {
                finish(session, .failure(session.endSession(because: .transport(error))))
                continue
            }
            pump(session, readable: false)
        }
    }

    /// How long epoll may sleep: 1 ms while a session waits for its lock, else until the
    /// earliest deadline or keep-alive ping, or without limit when nothing is under way.
    private func timeoutMilliseconds() -> Int32 {
        guard lockWaiters.isEmpty else { return 1 }
        let nearest = min(earliestDeadline, earliestPing)
        guard nearest != .max else { return -1 }
        let now = Deadline.now()
        guard nearest > now else { return 0 }
        return Int32(clamping: (nearest - now + 999_999) / 1_000_000)
    }

    private func register(_ session: EnvSession) {
        guard !session.submissions.registered else { return }
        let descriptor = session.socket.descriptor
        var event = epoll_event(events: Self.readEvents, data: epoll_data_t(fd: descriptor))
        guard epoll_ctl(epoll, EPOLL_CTL_ADD, descriptor, &event) == 0 else { return }
        session.submissions.registered = true
        sessions[descriptor] = session
    }

    /// Edge-triggered readability and hang-ups; writability is asked for only while needed,
    /// since every ACK that frees send buffer space would otherwise wake the loop.
    private static let readEvents = EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLET.rawValue

    private func watchWritable(_ session: EnvSession, _ wanted: Bool) {
        guard session.submissions.registered, session.submissions.watchesWritable != wanted else { return }
        let descriptor = session.socket.descriptor
        var event = epoll_event(events: Self.readEvents | (wanted ? EPOLLOUT.rawValue : 0), data: epoll_data_t(fd: descriptor))
        if epoll_ctl(epoll, EPOLL_CTL_MOD, descriptor, &event) == 0 { session.submissions.watchesWritable = wanted }
    }

    private func unregister(_ session: EnvSession) {
        guard session.submissions.registered else { return }
        let descriptor = session.socket.descriptor
        epoll_ctl(epoll, EPOLL_CTL_DEL, descriptor, nil)
        session.submissions.registered = false
        session.submissions.watchesWritable = false
        sessions[descriptor] = nil
    }
}
