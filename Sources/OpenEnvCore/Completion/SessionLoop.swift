import CLinux

#if canImport(Glibc)
import Glibc
#endif

/// An I/O loop: it owns the sockets of its sessions for as long as they are open. It moves the
/// bytes of every submitted request, for any number of sessions, with epoll readiness and
/// non-blocking sockets (TLS included), and posts each answer as a completion; between
/// requests it keeps each session alive (`SessionLoop+KeepAlive.swift`).
///
/// Two kinds, one code:
/// - `shared`, run by the engine's own I/O thread, for sessions opened any other way.
/// - An inline loop, one per event-loop queue (`CompletionQueue(inline: true)`), for the
///   sessions opened through that queue. It has no thread: its passes run on the thread that
///   collects the queue (an asyncio loop's, which watches `descriptor`), so an answer wakes
///   one thread instead of two. A caller that waits for such a session's request elsewhere (a
///   batch, a blocking call) runs passes itself while it waits; once the queue is released,
///   the I/O thread runs them; and while the queue's owner runs no pass (an event loop blocked
///   by its program), the I/O thread runs them for it.
///
/// Per session, requests go on the wire one at a time in submission order, so an answer can
/// only ever belong to the request before it. While a submitted request is on the wire the
/// loop holds the session's `callLock`: a blocking call on the same session waits its turn.
final class SessionLoop: @unchecked Sendable {
    /// The loop of the engine's I/O thread, started on first use.
    static let shared = SessionLoop(inline: false)

    /// The loop that sessions made in this scope belong to: an inline queue's, while the
    /// opening pool opens a session for it. Nil: `shared`.
    @TaskLocal static var forNewSessions: SessionLoop?

    enum Work {
        case submit(EnvSession, Submission)
        /// A session just opened: its socket joins the loop's set until it closes.
        case watch(EnvSession)
        /// A session gone without closing (released by its owner): its entry goes if the
        /// descriptor has not been taken over since.
        case unwatch(Int32)
        case forget(EnvSession)
        /// An inline loop made: `shared` runs its passes whenever its owner leaves them undone.
        case watchInline(SessionLoop)
        /// An inline loop whose queue was released: this loop runs its passes from now on.
        case adopt(SessionLoop)
        /// An inline loop whose queue was released and whose last session is gone.
        case release(SessionLoop)
    }

    /// The epoll set: readable while the loop has something to do (an inline loop's queue hands
    /// it out to be watched).
    let descriptor: Int32
    private let wake: Int32
    /// `shared` only (else -1): an epoll set of `wake` alone, waited on while idle sessions'
    /// reads are batched (see `batchesIdleReads`).
    private let wakeOnly: Int32
    /// Whether the I/O thread's next wait is for a wake-up only, for `idleBatchWindow`: its last
    /// pass read nothing but idle sessions (a ping, a pong, a hang-up) and no request is on the
    /// wire, so the next idle reads can wait a little to be done together. A thousand sessions
    /// whose servers each ping every second would otherwise wake the thread a thousand times a
    /// second; a submission still wakes it at once.
    private var batchesIdleReads = false
    /// Inline loops only (else -1): fires when the earliest deadline, keep-alive ping, lock
    /// retry or idle check is due, since no thread sleeps in `epoll_wait` until then.
    private let timer: Int32
    /// When `timer` is set to fire (monotonic nanoseconds; `.max`: not set).
    private var timerDue = UInt64.max
    /// Whether the loop is inline (no thread of its own).
    let isInline: Bool
    /// Held for each pass of an inline loop, which any thread may run (one at a time).
    let passLock = Mutex()
    /// When the last pass of an inline loop started (monotonic nanoseconds, under `passLock`):
    /// `shared` runs the passes its owner leaves undone (`runPassIfIdle`).
    var lastPassStarted: UInt64 = 0
    /// The queue whose collector runs the current pass: it collects right after, so it is not
    /// signalled.
    private var collector: CompletionQueue?
    private var events = [epoll_event](repeating: epoll_event(), count: 256)
    private let lock = Mutex()
    private var inbox: [Work] = []
    private var wakePending = false
    /// Whether the loop is in `DeferredInlineLoops` (it holds deferred submissions): only then
    /// does taking the inbox unlist it, so a request written at once costs no global lock.
    private var listedAsDeferred = false
    /// Inline loops: sessions made for the loop and not yet gone, and whether its queue was
    /// released (under `lock`).
    private var boundSessions = 0
    private var handedOver = false
    // The state of the passes (on the loop's thread, or under `passLock`). Internal, not
    // private, for the keep-alive half of the loop in its own file.
    /// Every open session of the loop, by socket. Held weakly: a session its owner lets go
    /// without closing still ends (`EnvSession.deinit`).
    var sessions: [Int32: WeakSession] = [:]
    /// `shared` only: every inline loop not yet released, by descriptor, and which of them it
    /// adopted (runs every pass of) and which it was told have work their owner may not do.
    var inlineLoops: [Int32: SessionLoop] = [:]
    var adopted: Set<Int32> = []
    var inlineReadySince: [Int32: UInt64] = [:]
    /// Sessions with a request on the wire.
    private var onWire: [ObjectIdentifier: EnvSession] = [:]
    /// Sessions whose next request waits for a blocking call to let go of the session
    /// (retried every millisecond).
    private var lockWaiters: [ObjectIdentifier: EnvSession] = [:]
    /// Idle sessions whose socket went unwatched while a blocking call held them, by socket.
    var heldAside: [Int32: WeakSession] = [:]
    /// No request on the wire times out before this (monotonic nanoseconds); a lower bound,
    /// made exact whenever it passes. The loop scans `onWire` for time-outs only then, not at
    /// every wake-up: with a thousand sessions stepping, a scan per answer would cost more
    /// than the answers.
    private var earliestDeadline = UInt64.max
    /// No keep-alive ping or pong check is due before this; a lower bound, as above.
    var earliestPing = UInt64.max
    /// When the sessions in `heldAside`, and the inline loops in `inlineReadySince`, are next
    /// looked at (`.max`: none waits).
    var nextHeldCheck = UInt64.max
    var nextInlineCheck = UInt64.max
    /// Queues given completions during this pass, signalled once at its end.
    private var unsignalled: [ObjectIdentifier: CompletionQueue] = [:]

    /// The loop of the engine's I/O thread (`inline` false), or an inline loop; `queueSignal`,
    /// the eventfd of an inline loop's queue, joins its set, so that completions posted by
    /// other loops make `descriptor` readable too.
    init(inline: Bool, queueSignal: Int32? = nil) {
        isInline = inline
        descriptor = epoll_create1(Int32(EPOLL_CLOEXEC))
        wake = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        timer = inline ? timerfd_create(CLOCK_MONOTONIC, Int32(TFD_NONBLOCK | TFD_CLOEXEC)) : -1
        wakeOnly = inline ? -1 : epoll_create1(Int32(EPOLL_CLOEXEC))
        precondition(descriptor >= 0 && wake >= 0 && (inline ? timer >= 0 : wakeOnly >= 0),
                     "cannot create an I/O loop's epoll, eventfd and timerfd: \(String(cString: strerror(errno)))")
        for (set, watched) in [(descriptor, wake), (descriptor, timer), (wakeOnly, wake)] where set >= 0 && watched >= 0 {
            var event = epoll_event(events: EPOLLIN.rawValue, data: epoll_data_t(fd: watched))
            epoll_ctl(set, EPOLL_CTL_ADD, watched, &event)
        }
        if let queueSignal {
            // Edge-triggered: each signal makes the set readable once, so completions left
            // uncollected do not keep it readable for a thread that runs passes while it waits.
            var event = epoll_event(events: EPOLLIN.rawValue | EPOLLET.rawValue, data: epoll_data_t(fd: queueSignal))
            epoll_ctl(descriptor, EPOLL_CTL_ADD, queueSignal, &event)
        }
        if inline {
            SessionLoop.shared.post(.watchInline(self))
        } else {
            LibraryThread.start(named: "openenv-io", stackSize: 1 << 20) { [self] in
                while true {
                    if batchesIdleReads { waitForWakeOrBatchEnd() }
                    pass(timeout: batchesIdleReads ? 0 : timeoutMilliseconds())
                }
            }
        }
    }

    deinit {
        for owned in [descriptor, wake, timer, wakeOnly] where owned >= 0 { Glibc.close(owned) }
    }

    /// How long idle reads may wait to be done together (`batchesIdleReads`): far below any
    /// keep-alive time-out.
    static let idleBatchWindow: UInt64 = 20_000_000

    /// Waits until something is posted to the loop, or until the batch window (or anything due
    /// sooner) has passed.
    private func waitForWakeOrBatchEnd() {
        let end = min(Deadline.now() + Self.idleBatchWindow, earliestDeadline, earliestPing, nextHeldCheck, nextInlineCheck)
        let now = Deadline.now()
        guard end > now else { return }
        var event = epoll_event()
        _ = epoll_wait(wakeOnly, &event, 1, Int32(clamping: (end - now + 999_999) / 1_000_000))
    }

    /// Queues `submission` on `session`; its `deliver` runs when the answer (or a failure)
    /// comes. Never blocks. With `wakingTheLoop` false the loop is not woken for it: it goes on
    /// the wire at the next `wakeForDeferred()` (or anything else that wakes the loop; for an
    /// inline loop, its next pass), so that many submissions made together cost the loop one
    /// wake-up. An inline loop has no thread to wake: with `wakingTheLoop` true, the
    /// submitting thread puts the request on the wire itself (see `sendInboxNow`).
    func submit(_ submission: Submission, on session: EnvSession, wakingTheLoop: Bool = true) {
        session.submittedUnderWay.enter()
        let counted = Submission(request: submission.request) { outcome in
            submission.deliver(outcome)
            session.submittedUnderWay.leave()
        }
        guard isInline && wakingTheLoop else { return post(.submit(session, counted), waking: wakingTheLoop) }
        lock.withLock { inbox.append(.submit(session, counted)) }
        if !sendInboxNow() { wakeForDeferred() }
    }

    /// Puts what the inbox holds on the wire on this thread, as a pass would but without
    /// asking epoll first (nothing is read unless bytes already wait): an event loop's request
    /// costs no wake-up and no extra system call. Returns false, doing nothing, while another
    /// thread runs a pass: the caller wakes the loop instead, so the next pass takes the work.
    private func sendInboxNow() -> Bool {
        guard passLock.tryLock() else { return false }
        defer { passLock.unlock() }
        lastPassStarted = Deadline.now()
        takeInbox(woken: false)
        endPass()
        return true
    }

    /// Wakes the loop for the submissions made without waking it, if any wait. Also wakes the
    /// inline loops given deferred submissions since the last time, when this is `shared`.
    func wakeForDeferred() {
        let needsWake = lock.withLock { () -> Bool in
            guard !inbox.isEmpty, !wakePending else { return false }
            wakePending = true
            return true
        }
        if needsWake { _ = eventfd_write(wake, 1) }
        if !isInline { DeferredInlineLoops.shared.wakeAll() }
    }

    /// Takes `session`, just opened, into the loop's set: its socket is watched from now on
    /// until it closes, and it is pinged while idle if it has a `ping_interval`.
    func watch(_ session: EnvSession) {
        post(.watch(session))
    }

    /// Drops the entry of a session released without closing, whose socket was `descriptor`.
    func unwatch(_ descriptor: Int32) {
        post(.unwatch(descriptor))
    }

    /// Drops a closed session from the loop (its pending requests fail as closed).
    func forget(_ session: EnvSession) {
        post(.forget(session))
    }

    /// Counts a session made for this loop.
    func bind() {
        lock.withLock { boundSessions += 1 }
    }

    /// Counts a session of this loop gone; the last one of an adopted loop lets the I/O
    /// thread drop it.
    func unbind() {
        let released = lock.withLock { () -> Bool in
            boundSessions -= 1
            return boundSessions == 0 && handedOver
        }
        if released { SessionLoop.shared.post(.release(self)) }
    }

    /// Hands an inline loop whose queue is released (`queueSignal` its eventfd, now always
    /// readable or about to close) to the I/O thread, which runs its passes while any of its
    /// sessions lives, and then lets it go. Once; later calls do nothing.
    func handOver(queueSignal: Int32) {
        let adopt = lock.withLock { () -> Bool? in
            guard !handedOver else { return nil }
            epoll_ctl(descriptor, EPOLL_CTL_DEL, queueSignal, nil)
            handedOver = true
            return boundSessions > 0
        }
        guard let adopt else { return }
        SessionLoop.shared.post(adopt ? .adopt(self) : .release(self))
    }

    /// Runs one pass of an inline loop without waiting: puts submitted requests on the wire,
    /// reads what arrived, delivers answers and time-outs. `collector`: the queue about to be
    /// collected by this thread, not signalled for what the pass posts to it. Returns at once
    /// (false) when another thread is running a pass.
    @discardableResult
    func runPass(collectingFor collector: CompletionQueue? = nil) -> Bool {
        guard passLock.tryLock() else { return false }
        defer { passLock.unlock() }
        lastPassStarted = Deadline.now()
        self.collector = collector
        pass(timeout: 0)
        self.collector = nil
        return true
    }

    /// Runs one pass of an inline loop, as `runPass`, unless one has started since `instant`
    /// or is running now: its owner is then doing its passes, and nothing is done.
    func runPassIfIdle(since instant: UInt64) {
        guard passLock.tryLock() else { return }
        defer { passLock.unlock() }
        guard lastPassStarted < instant else { return }
        lastPassStarted = Deadline.now()
        pass(timeout: 0)
    }

    /// Waits until `gate` is open (a session's or a batch's submissions delivered). The
    /// inline loops among `loops` are run by this thread while it waits, whenever no other
    /// thread runs them: nobody else may (an event loop's thread blocked in this very call).
    static func wait(until gate: CountdownGate, running loops: [SessionLoop]) {
        let inline = loops.filter(\.isInline)
        guard !inline.isEmpty else { return gate.waitUntilZero() }
        var watched = inline.map { pollfd(fd: $0.descriptor, events: Int16(POLLIN), revents: 0) }
        while true {
            for loop in inline { loop.runPass() }
            if gate.isZero { return }
            poll(&watched, nfds_t(watched.count), 1)
        }
    }

    /// Threads that run an inline loop's passes for Swift `async` calls on its sessions: no
    /// thread waits for those, and the loop's queue may not be collected meanwhile.
    private static let awaitedRunners = JobQueue(threads: 4, name: "openenv-await")

    /// Runs the passes of `session`'s inline loop on another thread until the session has
    /// nothing submitted left.
    static func runWhileAwaited(_ session: EnvSession) {
        awaitedRunners.add { wait(until: session.submittedUnderWay, running: [session.loop]) }
    }

    /// Adds `work` to the inbox, waking the loop unless `waking` is false (an inline loop is
    /// then listed for the next flush).
    private func post(_ work: Work, waking: Bool = true) {
        let needsWake = lock.withLock { () -> Bool in
            inbox.append(work)
            if !waking && isInline && !listedAsDeferred {
                listedAsDeferred = true
                DeferredInlineLoops.shared.add(self)
            }
            guard waking, !wakePending else { return false }
            wakePending = true
            return true
        }
        if needsWake { _ = eventfd_write(wake, 1) }
    }

    /// One pass: waits up to `timeout` milliseconds (-1: no limit) for something to do, then
    /// does all it can.
    private func pass(timeout: Int32) {
        let count = epoll_wait(descriptor, &events, Int32(events.count), timeout)
        var woken = false
        var onlyIdleReads = count > 0
        for index in 0..<max(0, Int(count)) {
            let ready = events[index].data.fd
            if ready == wake {
                woken = true
            } else if ready == timer {
                var expirations: UInt64 = 0
                _ = read(timer, &expirations, 8)
                timerDue = .max
            } else if let session = sessions[ready]?.session {
                onlyIdleReads = onlyIdleReads && session.submissions.current == nil && session.submissions.head >= session.submissions.pending.count
                if events[index].events & Self.hangUpEvents != 0 { session.socket.announceHangUp() }
                pump(session, readable: true)
            } else if let loop = inlineLoops[ready] {
                inlineLoopIsReady(loop)
            }
        }
        // An inline loop's deferred submissions wake nothing: its every pass takes them.
        if woken || isInline { takeInbox(woken: woken) }
        expireAndRetry()
        keepSessionsAlive()
        checkHeldAside()
        checkInlineLoops()
        endPass()
        batchesIdleReads = !isInline && onlyIdleReads && !woken && onWire.isEmpty && lockWaiters.isEmpty && adopted.isEmpty
    }

    /// What ends every pass: the queues given completions are signalled (but the collector's),
    /// and an inline loop's timer is set for what the pass left under way.
    private func endPass() {
        for queue in unsignalled.values where queue !== collector { queue.signal() }
        unsignalled.removeAll(keepingCapacity: true)
        if isInline { setTimer() }
    }

    /// Signals `queue` at the end of the loop's current pass. Call from a `Submission.deliver`
    /// (which runs in a pass) that posted to `queue` without signalling.
    func signalAfterThisPass(_ queue: CompletionQueue) {
        unsignalled[ObjectIdentifier(queue)] = queue
    }

    /// Takes on the work posted to the loop; `woken`: its eventfd was announced (and is read).
    private func takeInbox(woken: Bool) {
        if woken {
            var count: eventfd_t = 0
            _ = eventfd_read(wake, &count)
        }
        let works = lock.withLock { () -> [Work] in
            wakePending = false
            if listedAsDeferred {
                listedAsDeferred = false
                DeferredInlineLoops.shared.remove(self)
            }
            defer { inbox.removeAll(keepingCapacity: true) }
            return inbox
        }
        for work in works {
            switch work {
            case .submit(let session, let submission):
                session.submissions.pending.append(submission)
                pump(session, readable: false)
            case .watch(let session):
                register(session)
                schedulePings(of: session)
                pump(session, readable: false)  // reads what came with the handshake (an unprompted refusal, say)
            case .unwatch(let descriptor):
                if sessions[descriptor]?.session == nil { sessions[descriptor] = nil }
                if heldAside[descriptor]?.session == nil { heldAside[descriptor] = nil }
            case .forget(let session):
                if session.submissions.current == nil { pump(session, readable: false) }
            case .watchInline(let loop), .adopt(let loop), .release(let loop):
                take(work, of: loop)
            }
        }
    }

    /// Moves `session` as far as it can go now: starts its next request, writes, reads, and
    /// delivers answers, until it waits for the socket, for its `callLock`, or has nothing to do;
    /// with nothing to do, it reads what an idle session received (`readWhileIdle`).
    /// `readable`: epoll announced the socket. Otherwise the socket is read only when bytes
    /// wait that epoll would not announce, which saves a `recv` that would find nothing.
    private func pump(_ session: EnvSession, readable: Bool) {
        let state = session.submissions
        var readable = readable
        while true {
            if state.current == nil {
                guard begin(session) else {
                    if readable || session.socket.hasUnreadBytes { readWhileIdle(session) }
                    return
                }
            }
            let submission = state.current!
            let outcome: Result<(answer: JSONValue, bytes: [UInt8]), SessionError>
            do throws(TransportError) {
                let written = try session.socket.flushOutput()
                watchWritable(session, !written)
                guard written, readable || session.socket.hasUnreadBytes else { return }
                guard let received = try session.socket.pollMessage() else { return }
                readable = session.socket.hasUnreadBytes
                let request = submission.request
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
        guard state.head < state.pending.count, !session.isClosed else {
            // Nothing to put on the wire: the queue is empty, or the session closed, which
            // fails whatever still waits (the first with how the connection was lost, if it was).
            let waiting = state.pending[state.head...]
            state.pending.removeAll(keepingCapacity: true)
            state.head = 0
            if session.isClosed {
                for submission in waiting { submission.deliver(.failure(session.failureIfClosed() ?? .closed(reason: "closed"))) }
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
        let frame = submission.request.frame
        do throws(SessionError) {
            try session.checkSize(of: frame)
        } catch {
            session.callLock.unlock()
            submission.deliver(.failure(error))
            return begin(session)
        }
        putOnWire(session, submission)
        do throws(TransportError) {
            try session.socket.queue(text: frame)
        } catch {
            finish(session, .failure(session.endSession(because: .transport(error))))
            return state.current != nil || begin(session)
        }
        return true
    }

    /// Makes `submission` the session's request on the wire, due within the message time-out.
    private func putOnWire(_ session: EnvSession, _ submission: Submission) {
        let state = session.submissions
        state.current = submission
        state.deadline = Deadline(seconds: session.options.messageTimeout).uptimeNanoseconds
        earliestDeadline = min(earliestDeadline, state.deadline)
        onWire[ObjectIdentifier(session)] = session
        register(session)
        arm(session)
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
            let error = TransportError.timedOut("waiting for the answer to \(submission.type)", seconds: session.options.messageTimeout)
            finish(session, .failure(session.endSession(because: .transport(error))))
            pump(session, readable: false)
        }
    }

    /// How long epoll may sleep: 1 ms while a session waits for its lock, else until the
    /// earliest deadline, keep-alive ping or idle check, or without limit when none is due.
    private func timeoutMilliseconds() -> Int32 {
        guard lockWaiters.isEmpty else { return 1 }
        let nearest = min(earliestDeadline, earliestPing, nextHeldCheck, nextInlineCheck)
        guard nearest != .max else { return -1 }
        let now = Deadline.now()
        guard nearest > now else { return 0 }
        return Int32(clamping: (nearest - now + 999_999) / 1_000_000)
    }

    /// Sets an inline loop's timer for its next deadline, keep-alive ping, lock retry or idle
    /// check, when that comes before the time it is set for. A timer that fires early costs
    /// one pass.
    private func setTimer() {
        let nearest = lockWaiters.isEmpty ? min(earliestDeadline, earliestPing, nextHeldCheck) : Deadline.now() + 1_000_000
        guard nearest < timerDue else { return }
        timerDue = nearest
        var setting = itimerspec()
        setting.it_value = timespec(tv_sec: Int(nearest / 1_000_000_000), tv_nsec: Int(nearest % 1_000_000_000))
        timerfd_settime(timer, Int32(TFD_TIMER_ABSTIME), &setting, nil)
    }

    /// Adds the session's socket to the set, watched for reading (and hang-ups); once.
    private func register(_ session: EnvSession) {
        let state = session.submissions
        guard !state.registered else { return }
        let descriptor = session.socket.descriptor
        var event = epoll_event(events: Self.readEvents, data: epoll_data_t(fd: descriptor))
        guard epoll_ctl(self.descriptor, EPOLL_CTL_ADD, descriptor, &event) == 0 else { return }
        state.registered = true
        state.armed = true
        sessions[descriptor] = WeakSession(session)
    }

    /// Edge-triggered readability and hang-ups; writability is asked for only while needed,
    /// since every ACK that frees send buffer space would otherwise wake the loop.
    private static let readEvents = EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLET.rawValue

    /// What epoll reports of a peer's hang-up, or an error, on a socket.
    private static let hangUpEvents = EPOLLRDHUP.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue

    /// Asks epoll to report (`watching`) or not the session's socket's readability; hang-ups
    /// and writability wanted are reported either way.
    func setReading(_ session: EnvSession, _ watching: Bool) {
        let state = session.submissions
        guard state.registered else { return }
        let reading = watching ? Self.readEvents : EPOLLET.rawValue
        var event = epoll_event(events: reading | (state.watchesWritable ? EPOLLOUT.rawValue : 0), data: epoll_data_t(fd: session.socket.descriptor))
        if epoll_ctl(descriptor, EPOLL_CTL_MOD, session.socket.descriptor, &event) == 0 { state.armed = watching }
    }

    /// Watches the socket's readability again if a blocking call's turn had it set aside.
    private func arm(_ session: EnvSession) {
        if !session.submissions.armed { setReading(session, true) }
    }

    func watchWritable(_ session: EnvSession, _ wanted: Bool) {
        let state = session.submissions
        guard state.registered, state.watchesWritable != wanted else { return }
        let descriptor = session.socket.descriptor
        let reading = state.armed ? Self.readEvents : EPOLLET.rawValue
        var event = epoll_event(events: reading | (wanted ? EPOLLOUT.rawValue : 0), data: epoll_data_t(fd: descriptor))
        if epoll_ctl(self.descriptor, EPOLL_CTL_MOD, descriptor, &event) == 0 { state.watchesWritable = wanted }
    }

    func unregister(_ session: EnvSession) {
        let state = session.submissions
        guard state.registered else { return }
        let descriptor = session.socket.descriptor
        epoll_ctl(self.descriptor, EPOLL_CTL_DEL, descriptor, nil)
        state.registered = false
        state.armed = false
        state.watchesWritable = false
        sessions[descriptor] = nil
        heldAside[descriptor] = nil
    }
}

/// A session as the loop's tables hold it: weakly, so that a session its owner drops still
/// deinitializes (and so closes its socket).
struct WeakSession {
    weak var session: EnvSession?

    init(_ session: EnvSession) { self.session = session }
}
