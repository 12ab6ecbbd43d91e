#if canImport(Glibc)
import Glibc
#endif

/// A blocking TCP connection whose every read and write honours a deadline.
///
/// Blocking sockets, not an event loop: a session is strictly request/response, so a call
/// that writes one frame and reads one frame on the caller's thread has no hand-offs at all
/// (see benchmarks/RESULTS.md for what that buys per step).
final class TCPConnection: ByteStream, @unchecked Sendable {
    /// The socket, for a TLS layer on top.
    let descriptor: Int32
    /// Set once `shutdown` ran; the descriptor stays open until `deinit` so no other thread
    /// can ever use a recycled descriptor number.
    private let lock = Mutex()
    private var isShutDown = false

    /// Connects to `host:port` within `deadline`.
    init(host: String, port: Int, deadline: Deadline, url: String) throws(TransportError) {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var results: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &results)
        guard status == 0, let first = results else {
            throw .connectionFailed(url, reason: "cannot resolve host '\(host)' (\(String(cString: gai_strerror(status))))")
        }
        defer { freeaddrinfo(results) }
        var lastError = "no address"
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let address = candidate {
            candidate = address.pointee.ai_next
            let socket = Glibc.socket(address.pointee.ai_family, address.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), address.pointee.ai_protocol)
            guard socket >= 0 else { lastError = String(cString: strerror(errno)); continue }
            do throws(TransportError) {
                try Self.connect(socket, address.pointee.ai_addr, address.pointee.ai_addrlen, deadline: deadline, url: url)
                var noDelay: Int32 = 1
                setsockopt(socket, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
                descriptor = socket
                return
            } catch {
                Glibc.close(socket)
                if case .timedOut = error { throw error }
                // Only the reason: the error made below names the URL and the hint once.
                if case .connectionFailed(_, let reason) = error { lastError = reason } else { lastError = "\(error)" }
            }
        }
        throw .connectionFailed(url, reason: lastError)
    }

    private static func connect(_ socket: Int32, _ address: UnsafeMutablePointer<sockaddr>, _ length: socklen_t, deadline: Deadline, url: String) throws(TransportError) {
        let flags = fcntl(socket, F_GETFL)
        _ = fcntl(socket, F_SETFL, flags | O_NONBLOCK)
        defer { _ = fcntl(socket, F_SETFL, flags) }
        if Glibc.connect(socket, address, length) == 0 { return }
        guard errno == EINPROGRESS else { throw .connectionFailed(url, reason: String(cString: strerror(errno))) }
        var poller = pollfd(fd: socket, events: Int16(POLLOUT), revents: 0)
        let ready = poll(&poller, 1, deadline.remainingMilliseconds)
        guard ready > 0 else { throw .timedOut("connecting to \(url)", seconds: deadline.seconds) }
        var error: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(socket, SOL_SOCKET, SO_ERROR, &error, &size)
        guard error == 0 else { throw .connectionFailed(url, reason: String(cString: strerror(error))) }
    }

    deinit {
        Glibc.close(descriptor)
    }

    /// Ends the connection in both directions: a thread blocked in `read` or `write` on it
    /// returns at once. Safe to call from any thread, any number of times.
    func shutdown() {
        lock.withLock {
            if !isShutDown {
                isShutDown = true
                _ = Glibc.shutdown(descriptor, Int32(SHUT_RDWR))
            }
        }
    }

    /// The socket time-outs now in force, in milliseconds (0: none yet).
    private var receiveTimeout: Int32 = 0
    private var sendTimeout: Int32 = 0

    /// Sets `SO_RCVTIMEO` to what is left of `deadline`, so that a blocking read cannot
    /// outlive it by more than 50 ms.
    func applyReceiveDeadline(_ deadline: Deadline) throws(TransportError) {
        try apply(deadline, option: SO_RCVTIMEO, current: &receiveTimeout)
    }

    /// Sets `SO_SNDTIMEO` to what is left of `deadline` (see `applyReceiveDeadline`).
    func applySendDeadline(_ deadline: Deadline) throws(TransportError) {
        try apply(deadline, option: SO_SNDTIMEO, current: &sendTimeout)
    }

    /// Makes the socket's own time-out (`SO_RCVTIMEO`/`SO_SNDTIMEO`) match what is left of
    /// `deadline`, within 50 ms. The usual case, a fresh deadline of the same length as the
    /// last one, costs no system call.
    private func apply(_ deadline: Deadline, option: Int32, current: inout Int32) throws(TransportError) {
        let remaining = max(1, deadline.remainingMilliseconds)
        guard abs(Int(remaining) - Int(current)) > 50 || current == 0 else { return }
        var value = timeval(tv_sec: Int(remaining / 1000), tv_usec: Int(remaining % 1000) * 1000)
        guard setsockopt(descriptor, SOL_SOCKET, option, &value, socklen_t(MemoryLayout<timeval>.size)) == 0 else {
            throw .connectionClosed("cannot set a time-out (\(String(cString: strerror(errno))))")
        }
        current = remaining
    }

    /// Writes all of `bytes` before `deadline`.
    func write(_ bytes: [UInt8], deadline: Deadline, operation: @autoclosure () -> String) throws(TransportError) {
        var written = 0
        while written < bytes.count {
            guard deadline.remainingMilliseconds > 0 else { throw .timedOut(operation(), seconds: deadline.seconds) }
            try applySendDeadline(deadline)
            let count = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress! + written, $0.count - written, Int32(MSG_NOSIGNAL)) }
            if count > 0 { written += count; continue }
            if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) { continue }
            throw .connectionClosed("writing failed (\(String(cString: strerror(errno))))")
        }
    }

    var hasBufferedBytes: Bool { false }

    func readTookAll(_ count: Int, capacity: Int) -> Bool { count < capacity }

    var permitsWriteDuringRead: Bool { true }

    func attemptWrite(_ bytes: UnsafeRawBufferPointer) throws(TransportError) -> Int {
        while true {
            let count = Glibc.send(descriptor, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            if count >= 0 { return count }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { return 0 }
            throw .connectionClosed("writing failed (\(String(cString: strerror(errno))))")
        }
    }

    func attemptRead(into buffer: UnsafeMutableRawBufferPointer) throws(TransportError) -> Int {
        while true {
            let count = Glibc.recv(descriptor, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT))
            if count > 0 { return count }
            if count == 0 { throw .connectionClosed(TransportError.endOfStream) }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { return 0 }
            throw .connectionClosed("reading failed (\(String(cString: strerror(errno))))")
        }
    }

    /// Reads at least one byte into `buffer` before `deadline`; returns how many. Blocks in a
    /// single `recv`: one system call per answer in the usual case.
    func read(into buffer: UnsafeMutableRawBufferPointer, deadline: Deadline, operation: @autoclosure () -> String) throws(TransportError) -> Int {
        while true {
            try applyReceiveDeadline(deadline)
            let count = Glibc.recv(descriptor, buffer.baseAddress, buffer.count, 0)
            if count > 0 { return count }
            if count == 0 { throw .connectionClosed(TransportError.endOfStream) }
            if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR {
                if deadline.remainingMilliseconds == 0 { throw .timedOut(operation(), seconds: deadline.seconds) }
                continue
            }
            throw .connectionClosed("reading failed (\(String(cString: strerror(errno))))")
        }
    }
}
