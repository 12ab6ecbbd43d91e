import CLinux

#if canImport(Glibc)
import Glibc
#endif

/// Sessions stay alive on their own: between requests, the loop that owns a session's socket
/// keeps watching it, whatever the caller is doing (holding Python's GIL, blocking its event
/// loop, sleeping). A ping from the server is answered as soon as it comes; keep-alive pings
/// go out on the session's `ping_interval`; a server that closes, hangs up or stops answering
/// marks the session closed with its cause, which the next call reports.
///
/// Who reads a session's socket is settled by its `callLock`: a blocking call holds it from
/// its request to its answer and reads on its own thread; the loop reads only a session it can
/// lock. A blocking call's answers would still wake the loop, one wake-up per step for nothing,
/// so the first such wake-up sets the socket aside (unwatched), and the loop takes it back
/// once the session is free at one of its idle checks, every `idleCheckInterval`.
///
/// An inline loop's passes are its owner's to run (an event loop collecting its queue). The
/// I/O thread watches every inline loop not yet released: when one has had work for
/// `idleCheckInterval` with no pass started since (its event loop is blocked), the I/O thread
/// runs a pass for it.
extension SessionLoop {
    /// How long a session set aside waits before the loop looks at it again, and how long an
    /// inline loop's work may wait for its owner before the I/O thread does it: far below any
    /// keep-alive time-out, long enough that a blocking call stepping as fast as it can costs
    /// the loop a few wake-ups a second at most.
    static let idleCheckInterval: UInt64 = 100_000_000

    /// Reads what a session with no request on the wire has received: pings answered, pongs
    /// counted; a close, a hang-up or a message no request asked for ends the session. A
    /// session a blocking call holds is set aside instead.
    func readWhileIdle(_ session: EnvSession) {
        guard session.submissions.registered, session.submissions.current == nil else { return }
        guard session.callLock.tryLock() else { return setAside(session) }
        defer { session.callLock.unlock() }
        readHeld(session)
    }

    /// `readWhileIdle` for a session whose `callLock` the loop holds.
    private func readHeld(_ session: EnvSession) {
        guard !session.isClosed else { return }
        let state = session.submissions
        do throws(TransportError) {
            let message = try session.socket.pollMessage()
            watchWritable(session, !(try session.socket.flushOutput()))
            if state.pingDeadline != .max && session.socket.pongsReceived > state.pongsBeforePing { state.pingDeadline = .max }
            guard let message else { return }
            session.closeOnUnprompted(message)
        } catch {
            session.lose(because: .transport(.connectionLost("while the session was idle: \(error)")))
        }
        unregister(session)
    }

    /// Stops watching the readability of a session a blocking call holds, until the next idle check.
    private func setAside(_ session: EnvSession) {
        if session.submissions.armed { setReading(session, false) }
        heldAside[session.socket.descriptor] = WeakSession(session)
        if nextHeldCheck == .max { nextHeldCheck = Deadline.now() + Self.idleCheckInterval }
    }

    /// At each idle check: watches again every session set aside that is free now (and reads
    /// what it received meanwhile); those still held wait for the next check.
    func checkHeldAside() {
        guard !heldAside.isEmpty else {
            nextHeldCheck = .max  // emptied elsewhere (a session closed, unwatched): nothing is due, and a past check would spin the loop
            return
        }
        let now = Deadline.now()
        guard now >= nextHeldCheck else { return }
        nextHeldCheck = .max
        for (descriptor, entry) in heldAside {
            guard let session = entry.session, session.submissions.registered, !session.submissions.armed else {
                heldAside[descriptor] = nil  // gone, closed, or watched again for a request
                continue
            }
            guard session.callLock.tryLock() else { continue }
            heldAside[descriptor] = nil
            setReading(session, true)
            if session.submissions.current == nil { readHeld(session) }
            session.callLock.unlock()
        }
        if !heldAside.isEmpty { nextHeldCheck = now + Self.idleCheckInterval }
    }

    /// Schedules the first keep-alive ping of a session just watched.
    func schedulePings(of session: EnvSession) {
        guard let interval = session.options.pingInterval else { return }
        session.submissions.nextPing = Deadline(seconds: interval).uptimeNanoseconds
        earliestPing = min(earliestPing, Self.scanTime(of: session.submissions, interval: interval))
    }

    /// Once a ping or a pong check is due: pings the idle sessions whose ping is due (or nearly:
    /// pings due within a quarter of their interval, at most a second, go together, so that a
    /// thousand sessions cost a scan a second at most), and checks the pongs due.
    func keepSessionsAlive() {
        let now = Deadline.now()
        guard now >= earliestPing else { return }
        earliestPing = .max
        for (descriptor, entry) in sessions {
            guard let session = entry.session else {
                sessions[descriptor] = nil
                continue
            }
            let state = session.submissions
            if state.pingDeadline <= now { checkPong(session, now: now) }
            guard state.registered, let interval = session.options.pingInterval else { continue }
            if state.pingDeadline == .max && state.nextPing <= now + Self.slack(interval) { ping(session, now: now, interval: interval) }
            earliestPing = min(earliestPing, Self.scanTime(of: state, interval: interval))
        }
    }

    /// How early a ping may go with others: a quarter of its interval, at most a second.
    private static func slack(_ interval: Double) -> UInt64 {
        UInt64(min(1.0, interval / 4) * 1e9)
    }

    /// When the session next needs the keep-alive scan: its pong check, or its next ping.
    private static func scanTime(of state: SessionSubmissions, interval: Double) -> UInt64 {
        let pingTime = state.nextPing > slack(interval) ? state.nextPing - slack(interval) : 0
        return min(state.pingDeadline, pingTime)
    }

    /// Sends a keep-alive ping on an idle session; a busy one needs none this time (its answers
    /// show the server is there, and its requests have their own time-out).
    private func ping(_ session: EnvSession, now: UInt64, interval: Double) {
        let state = session.submissions
        state.nextPing = now + UInt64(interval * 1e9)
        guard state.current == nil, state.head >= state.pending.count, session.callLock.tryLock() else { return }
        defer { session.callLock.unlock() }
        do throws(TransportError) {
            state.pongsBeforePing = session.socket.pongsReceived
            try session.socket.queuePing()
            watchWritable(session, !(try session.socket.flushOutput()))
            if let timeout = session.options.pingTimeout { state.pingDeadline = Deadline(seconds: timeout).uptimeNanoseconds }
        } catch {
            session.lose(because: .transport(.connectionLost("while the session was idle: \(error)")))
            unregister(session)
        }
    }

    /// The pong of the session's ping is due: it ends the session unless it came (read now if
    /// it waits unread), or a call is under way, whose own time-out watches the server then.
    private func checkPong(_ session: EnvSession, now: UInt64) {
        let state = session.submissions
        guard session.callLock.tryLock() else {
            state.pingDeadline = .max
            return
        }
        defer { session.callLock.unlock() }
        readHeld(session)
        guard state.pingDeadline <= now, !session.isClosed else { return }
        state.pingDeadline = .max
        let waited = formatSeconds(session.options.pingTimeout ?? 0)
        session.lose(because: .transport(.connectionLost("while the session was idle: no pong came within \(waited) of a keep-alive ping (the server stopped answering)")))
        unregister(session)
    }

    // MARK: Inline loops, as the I/O thread watches them

    /// `shared` takes on an inline loop: watched from its making, adopted once its queue is
    /// released, let go once its queue is released and its sessions are gone.
    func take(_ work: Work, of loop: SessionLoop) {
        let descriptor = loop.descriptor
        switch work {
        case .watchInline:
            // One-shot: reported once, then not again until looked at (`checkInlineLoops`), so
            // that an event loop at work never wakes this thread more than once a check.
            var event = epoll_event(events: EPOLLIN.rawValue | EPOLLONESHOT.rawValue, data: epoll_data_t(fd: descriptor))
            guard epoll_ctl(self.descriptor, EPOLL_CTL_ADD, descriptor, &event) == 0 else { return }
            inlineLoops[descriptor] = loop
        case .adopt:
            var event = epoll_event(events: EPOLLIN.rawValue, data: epoll_data_t(fd: descriptor))
            let operation = inlineLoops[descriptor] == nil ? EPOLL_CTL_ADD : EPOLL_CTL_MOD
            epoll_ctl(self.descriptor, operation, descriptor, &event)
            inlineLoops[descriptor] = loop
            adopted.insert(descriptor)
            inlineReadySince[descriptor] = nil
            loop.runPass()
        default:
            epoll_ctl(self.descriptor, EPOLL_CTL_DEL, descriptor, nil)
            inlineLoops[descriptor] = nil
            adopted.remove(descriptor)
            inlineReadySince[descriptor] = nil
        }
    }

    /// An inline loop has work: an adopted one's pass runs now; another's owner is given until
    /// the next check to run it.
    func inlineLoopIsReady(_ loop: SessionLoop) {
        guard !adopted.contains(loop.descriptor) else {
            loop.runPass()
            return
        }
        let now = Deadline.now()
        inlineReadySince[loop.descriptor] = now
        nextInlineCheck = min(nextInlineCheck, now + Self.idleCheckInterval)
    }

    /// Runs the pass of every inline loop whose work has waited a whole check with no pass
    /// started since, and watches it again.
    func checkInlineLoops() {
        guard !inlineReadySince.isEmpty else {
            nextInlineCheck = .max  // emptied elsewhere (adopted, released): nothing is due, and a past check would spin the loop
            return
        }
        let now = Deadline.now()
        guard now >= nextInlineCheck else { return }
        nextInlineCheck = .max
        for (descriptor, since) in inlineReadySince {
            guard let loop = inlineLoops[descriptor] else {
                inlineReadySince[descriptor] = nil
                continue
            }
            guard now >= since + Self.idleCheckInterval else {
                nextInlineCheck = min(nextInlineCheck, since + Self.idleCheckInterval)
                continue
            }
            inlineReadySince[descriptor] = nil
            loop.runPassIfIdle(since: since)
            var event = epoll_event(events: EPOLLIN.rawValue | EPOLLONESHOT.rawValue, data: epoll_data_t(fd: descriptor))
            epoll_ctl(self.descriptor, EPOLL_CTL_MOD, descriptor, &event)
        }
    }
}
