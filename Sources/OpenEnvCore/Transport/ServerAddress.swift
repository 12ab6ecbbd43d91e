/// An environment server's base URL, split into what the transports need.
///
/// `http://host:port/prefix` serves HTTP routes at `/prefix/health` and the WebSocket at
/// `ws://host:port/prefix/ws`; `https` maps to `wss`. A bare `host:port` means `http://`. A
/// query (`?session_id=...`) goes with the WebSocket upgrade only.
public struct ServerAddress: Sendable, Equatable, CustomStringConvertible {
    /// Whether the connection uses TLS (`https`/`wss`).
    public let secure: Bool
    public let host: String
    public let port: Int
    /// The path prefix without a trailing slash (`""` or `/prefix`).
    public let pathPrefix: String
    /// The query without its `?` (`""` when there is none), sent with the WebSocket upgrade.
    public let query: String

    /// Parses a base URL (`http`, `https`, `ws`, `wss`, or no scheme). Blanks around it are
    /// dropped; a space or control character anywhere in it, or a host that is neither a host
    /// name (ASCII letters, digits, `-._~`) nor an IP address, is refused, so nothing a caller
    /// writes can reach the request line or make the host checked differ from the one dialled.
    public init(_ url: String) throws(TransportError) {
        var rest = Substring(url.trimmingWhiteSpace())
        guard !rest.isEmpty else { throw .invalidURL(url, reason: "it is empty") }
        if let bad = rest.unicodeScalars.first(where: { $0.value <= 0x20 || (0x7F...0x9F).contains($0.value) }) {
            let code = String(bad.value, radix: 16, uppercase: true)
            let what = bad == " " ? "a space" : "a control character (U+\(String(repeating: "0", count: 4 - code.count))\(code))"
            throw .invalidURL(url, reason: "it holds \(what); a URL has none (percent-encode them in its path or query)")
        }
        var secure = false
        if let schemeEnd = rest.firstRange(of: "://") {
            switch rest[..<schemeEnd.lowerBound].lowercased() {
            case "http", "ws": secure = false
            case "https", "wss": secure = true
            case let scheme: throw .invalidURL(url, reason: "unsupported scheme '\(scheme)'; use http://, https://, ws:// or wss://")
            }
            rest = rest[schemeEnd.upperBound...]
        }
        let slash = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        let authority = rest[..<slash]
        var prefix = String(rest[slash...])
        var query = ""
        if let end = prefix.firstIndex(where: { $0 == "?" || $0 == "#" }) {
            if prefix[end] == "?" { query = String(prefix[prefix.index(after: end)...].prefix { $0 != "#" }) }
            prefix = String(prefix[..<end])
        }
        while prefix.hasSuffix("/") { prefix.removeLast() }
        guard !authority.isEmpty, !authority.contains("@") else {
            throw .invalidURL(url, reason: authority.isEmpty ? "no host" : "credentials in the URL are not supported")
        }
        var host = String(authority)
        var port = secure ? 443 : 80
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw .invalidURL(url, reason: "unclosed IPv6 address") }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") {
                guard let value = Int(after.dropFirst()), (1...65535).contains(value) else { throw .invalidURL(url, reason: "invalid port") }
                port = value
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            guard let value = Int(authority[authority.index(after: colon)...]), (1...65535).contains(value) else {
                throw .invalidURL(url, reason: "invalid port '\(authority[authority.index(after: colon)...])'")
            }
            port = value
        }
        guard !host.isEmpty else { throw .invalidURL(url, reason: "no host") }
        let allowed = authority.hasPrefix("[") ? "0123456789abcdefABCDEF:.%" : "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~"
        if let bad = host.unicodeScalars.first(where: { !allowed.unicodeScalars.contains($0) }) {
            throw .invalidURL(url, reason: "the host \(quoted(host)) holds '\(bad)', which no host name or address has")
        }
        self.secure = secure
        self.host = host
        self.port = port
        self.pathPrefix = prefix
        self.query = query
    }

    /// `host:port` as written in a `Host` header.
    var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return (port == (secure ? 443 : 80)) ? name : "\(name):\(port)"
    }

    /// Whether this is a Hugging Face Space (`https://*.hf.space`), which may be private.
    public var isHuggingFaceSpace: Bool { secure && host.lowercased().hasSuffix(".hf.space") }

    /// The HTTP base URL.
    public var description: String { "\(secure ? "https" : "http")://\(hostHeader)\(pathPrefix)" }

    /// The WebSocket URL of the session endpoint.
    public var webSocketURL: String { "\(secure ? "wss" : "ws")://\(hostHeader)\(webSocketTarget)" }

    /// The request target of the WebSocket upgrade: `<prefix>/ws`, with the query if any.
    var webSocketTarget: String { "\(pathPrefix)/ws\(query.isEmpty ? "" : "?" + query)" }
}

extension ServerAddress {
    /// A connection to this server within `deadline`: TLS when the address is secure.
    func openStream(deadline: Deadline, url: String, caFile: String?) throws(TransportError) -> any ByteStream {
        let connection = try TCPConnection(host: host, port: port, deadline: deadline, url: url)
        guard secure else { return connection }
        return try TLSConnection(over: connection, host: host, deadline: deadline, url: url, caFile: caFile)
    }
}
