import COpenSSL

#if canImport(Glibc)
import Glibc
#endif

/// TLS (system OpenSSL) over a TCP connection, for `https://` and `wss://` servers. The
/// server's certificate is verified against the system's trusted authorities (or `caFile`),
/// and its name against the host.
///
/// After the handshake the socket is non-blocking, so that the I/O loop's attempts never
/// block inside OpenSSL; the blocking calls wait for readiness with `poll` instead.
final class TLSConnection: ByteStream, @unchecked Sendable {
    private let connection: TCPConnection
    private let context: OpaquePointer
    private let ssl: OpaquePointer
    /// OpenSSL objects are not safe for concurrent reads and writes; calls take turns.
    private let lock = Mutex()

    init(over connection: TCPConnection, host: String, deadline: Deadline, url: String, caFile: String?) throws(TransportError) {
        self.connection = connection
        guard let context = SSL_CTX_new(TLS_client_method()) else { throw .connectionFailed(url, reason: "cannot create a TLS context: \(Self.lastError())") }
        self.context = context
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        let trusted = caFile.map { SSL_CTX_load_verify_locations(context, $0, nil) } ?? SSL_CTX_set_default_verify_paths(context)
        guard let ssl = SSL_new(context) else {
            SSL_CTX_free(context)
            throw .connectionFailed(url, reason: "cannot create a TLS session: \(Self.lastError())")
        }
        self.ssl = ssl
        guard trusted == 1 else { throw .connectionFailed(url, reason: "cannot load trusted certificates\(caFile.map { " from \($0)" } ?? ""): \(Self.lastError())") }
        SSL_set_fd(ssl, connection.descriptor)
        _ = openenv_ssl_set_server_name(ssl, host)
        SSL_set1_host(ssl, host)
        while true {
            try connection.applyReceiveDeadline(deadline)
            try connection.applySendDeadline(deadline)
            let result = SSL_connect(ssl)
            if result == 1 {
                _ = openenv_ssl_allow_partial_writes(ssl)
                _ = fcntl(connection.descriptor, F_SETFL, fcntl(connection.descriptor, F_GETFL) | O_NONBLOCK)
                return
            }
            let error = SSL_get_error(ssl, result)
            if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) && deadline.remainingMilliseconds > 0 { continue }
            if error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE { throw .timedOut("TLS handshake with \(url)", seconds: deadline.seconds) }
            let verification = SSL_get_verify_result(ssl)
            if verification != X509_V_OK {
                let reason = String(cString: X509_verify_cert_error_string(verification))
                throw .connectionFailed(url, reason: "the server's TLS certificate is not trusted (\(reason)); pass 'ca_file' if it is signed by a private authority")
            }
            throw .connectionFailed(url, reason: "TLS handshake failed: \(Self.lastError())")
        }
    }

    deinit {
        SSL_free(ssl)
        SSL_CTX_free(context)
    }

    private static func lastError() -> String {
        let code = ERR_get_error()
        guard code != 0 else { return "unknown error" }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    var descriptor: Int32 { connection.descriptor }

    func shutdown() {
        connection.shutdown()
    }

    var hasBufferedBytes: Bool { lock.withLock { SSL_pending(ssl) > 0 } }

    func readTookAll(_ count: Int, capacity: Int) -> Bool { false }

    var permitsWriteDuringRead: Bool { false }

    func attemptWrite(_ bytes: UnsafeRawBufferPointer) throws(TransportError) -> Int {
        try attempt { SSL_write(ssl, bytes.baseAddress, Int32(clamping: bytes.count)) }
    }

    func attemptRead(into buffer: UnsafeMutableRawBufferPointer) throws(TransportError) -> Int {
        try attempt { SSL_read(ssl, buffer.baseAddress, Int32(clamping: buffer.count)) }
    }

    /// One non-blocking SSL_read or SSL_write: its byte count, 0 when it must wait for the
    /// socket, or the error that ended the session.
    private func attempt(_ call: () -> Int32) throws(TransportError) -> Int {
        try lock.withLock { () throws(TransportError) -> Int in
            let count = call()
            if count > 0 { return Int(count) }
            try handle(SSL_get_error(ssl, count), deadline: nil, operation: "")
            return 0
        }
    }

    func write(_ bytes: [UInt8], deadline: Deadline, operation: @autoclosure () -> String) throws(TransportError) {
        try lock.withLock { () throws(TransportError) in
            var written = 0
            while written < bytes.count {
                let count = bytes.withUnsafeBytes { SSL_write(ssl, $0.baseAddress! + written, Int32($0.count - written)) }
                if count > 0 { written += Int(count); continue }
                try handle(SSL_get_error(ssl, count), deadline: deadline, operation: operation())
            }
        }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer, deadline: Deadline, operation: @autoclosure () -> String) throws(TransportError) -> Int {
        try lock.withLock { () throws(TransportError) -> Int in
            while true {
                let count = SSL_read(ssl, buffer.baseAddress, Int32(buffer.count))
                if count > 0 { return Int(count) }
                try handle(SSL_get_error(ssl, count), deadline: deadline, operation: operation())
            }
        }
    }

    /// Decides after a failed SSL_read/SSL_write: wait for the socket and retry (blocking calls,
    /// with a `deadline`), return to retry when epoll says so (attempts, without one), or throw.
    private func handle(_ error: Int32, deadline: Deadline?, operation: @autoclosure () -> String) throws(TransportError) {
        switch error {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            guard let deadline else { return }
            var poller = pollfd(fd: connection.descriptor, events: Int16(error == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT), revents: 0)
            if poll(&poller, 1, deadline.remainingMilliseconds) == 0 { throw .timedOut(operation(), seconds: deadline.seconds) }
        case SSL_ERROR_ZERO_RETURN:
            throw .connectionClosed("the server ended the TLS session")
        default:
            throw .connectionClosed("TLS error: \(Self.lastError())")
        }
    }
}
