/// The status line and headers of an HTTP/1.1 response.
struct HTTPResponseHead {
    let status: Int
    /// Header names in lower case.
    let headers: [String: String]

    init(_ block: String) throws(TransportError) {
        let lines = block.split(separator: "\r\n", omittingEmptySubsequences: true)
        guard let statusLine = lines.first, statusLine.hasPrefix("HTTP/1."),
            let code = statusLine.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
        else { throw .protocolViolation("not an HTTP response: '\(lines.first?.prefix(80) ?? "")'") }
        status = code
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingWhiteSpace()
        }
        self.headers = headers
    }
}
