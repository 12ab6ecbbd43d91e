/// A connection that carries bytes both ways: plain TCP or TLS over it. Each way of using it
/// has its own calls: blocking ones under deadlines (a caller's thread doing one exchange), and
/// non-blocking attempts (the I/O loop, told by epoll when to try again).
protocol ByteStream: AnyObject, Sendable {
    /// The socket, for epoll.
    var descriptor: Int32 { get }
    /// Writes all of `bytes` before `deadline`.
    func write(_ bytes: [UInt8], deadline: Deadline, operation: @autoclosure () -> String) throws(TransportError)
    /// Reads at least one byte into `buffer` before `deadline`; returns how many.
    func read(into buffer: UnsafeMutableRawBufferPointer, deadline: Deadline, operation: @autoclosure () -> String) throws(TransportError) -> Int
    /// Writes what it can of `bytes` without blocking; returns how many (0: try when writable).
    func attemptWrite(_ bytes: UnsafeRawBufferPointer) throws(TransportError) -> Int
    /// Reads what has arrived into `buffer` without blocking; returns how many (0: nothing yet).
    /// A connection closed by the peer throws `connectionClosed`.
    func attemptRead(into buffer: UnsafeMutableRawBufferPointer) throws(TransportError) -> Int
    /// Whether bytes were received that the socket no longer shows as readable (TLS records
    /// decrypted ahead), so epoll would not announce them.
    var hasBufferedBytes: Bool { get }
    /// Whether a non-blocking read that gave `count` bytes into a buffer of `capacity` took all
    /// that had arrived, so that epoll (edge-triggered) announces whatever comes next: a short
    /// read of a socket does; a TLS layer, which reads a record at a time, never knows.
    func readTookAll(_ count: Int, capacity: Int) -> Bool
    /// Whether one thread may write while another is blocked reading (plain TCP may; one TLS
    /// session must not be used by two threads at once).
    var permitsWriteDuringRead: Bool { get }
    /// Ends the connection at once, from any thread.
    func shutdown()
}
