/// A connection that carries bytes both ways under deadlines: plain TCP or TLS over it.
protocol ByteStream: AnyObject, Sendable {
    /// Writes all of `bytes` before `deadline`.
    func write(_ bytes: [UInt8], deadline: Deadline, operation: @autoclosure () -> String) throws(TransportError)
    /// Reads at least one byte into `buffer` before `deadline`; returns how many.
    func read(into buffer: UnsafeMutableRawBufferPointer, deadline: Deadline, operation: @autoclosure () -> String) throws(TransportError) -> Int
    /// Ends the connection at once, from any thread.
    func shutdown()
}

extension ServerAddress {
    /// A connection to this server within `deadline`: TLS when the address is secure.
    func openStream(deadline: Deadline, url: String, caFile: String?) throws(TransportError) -> any ByteStream {
        let connection = try TCPConnection(host: host, port: port, deadline: deadline, url: url)
        guard secure else { return connection }
        return try TLSConnection(over: connection, host: host, deadline: deadline, url: url, caFile: caFile)
    }
}
