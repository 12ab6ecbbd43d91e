/// Limits of one session, with the reference client's defaults.
public struct SessionOptions: Sendable, Equatable {
    /// Seconds to open the WebSocket (and for each HTTP route request).
    public var connectTimeout: Double = 10
    /// Seconds to wait for each answer.
    public var messageTimeout: Double = 60
    /// Largest message accepted from the server, in bytes (100 MiB).
    public var maximumMessageBytes: Int = 100 * 1024 * 1024
    /// A PEM file of authorities to trust for `https://`/`wss://` servers instead of the
    /// system's (for servers with a private or self-signed certificate).
    public var caFile: String?
    /// A token sent as `Authorization: Bearer <token>` to this server. Without one, the
    /// Hugging Face token (``HubRepository/token``) goes to Hugging Face Spaces over TLS
    /// (`https://*.hf.space`) and to no other server, whatever name the server was found by.
    public var bearerToken: String?
    /// Extra headers of the WebSocket upgrade (the reference client's `headers`), e.g.
    /// `Authorization` for a private Space; an `Authorization` here replaces the token's.
    public var headers: [String: String] = [:]
    /// Seconds between keep-alive pings while the session is idle (the reference client's and
    /// websockets' default, 20); nil sends none. The engine's I/O loop sends them, and answers
    /// the server's own pings, whatever the caller is doing.
    public var pingInterval: Double? = 20
    /// Seconds a keep-alive ping may wait for its pong before the session is taken for lost
    /// (default 20); nil waits without limit.
    public var pingTimeout: Double? = 20

    /// The defaults.
    public init() {}

    /// The keys the JSON form accepts.
    public static let keys = [
        "connect_timeout", "message_timeout", "max_message_bytes", "ca_file", "bearer_token", "headers", "ping_interval", "ping_timeout",
    ]

    /// Header names the WebSocket handshake sets itself, which `headers` may not.
    static let handshakeHeaders: Set<String> = [
        "host", "upgrade", "connection", "sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions", "content-length",
    ]

    /// Reads `{"connect_timeout": 10, "message_timeout": 60, "max_message_bytes": 104857600}`,
    /// every key optional; unknown keys and bad values are refused with a message naming them.
    public init(json: JSONValue) throws(SessionError) {
        guard let object = json.objectValue else {
            throw .invalidArgument("options must be a JSON object such as {\"message_timeout\": 30}")
        }
        for key in object.keys where !Self.keys.contains(key) {
            throw .invalidArgument("unknown option \(quoted(key)); known options: \(Self.keys.joined(separator: ", "))")
        }
        func seconds(_ key: String) throws(SessionError) -> Double? {
            switch object[key] {
            case nil, .null?: return nil
            case .integer(let value)? where value > 0: return Double(value)
            case .double(let value)? where value > 0 && value.isFinite: return value
            default: throw .invalidArgument("option '\(key)' must be a positive number of seconds")
            }
        }
        if let value = try seconds("connect_timeout") { connectTimeout = value }
        if let value = try seconds("message_timeout") { messageTimeout = value }
        try Self.keepAlive("ping_interval", object["ping_interval"], into: &pingInterval)
        try Self.keepAlive("ping_timeout", object["ping_timeout"], into: &pingTimeout)
        headers = try Self.headers(object["headers"])
        switch object["max_message_bytes"] {
        case nil, .null?: break
        case .integer(let value)? where value > 0: maximumMessageBytes = Int(value)
        default: throw .invalidArgument("option 'max_message_bytes' must be a positive whole number")
        }
        switch object["ca_file"] {
        case nil, .null?: break
        case .string(let path)?: caFile = path
        default: throw .invalidArgument("option 'ca_file' must be the path of a PEM file")
        }
        switch object["bearer_token"] {
        case nil, .null?: break
        case .string(let token)?: bearerToken = token
        default: throw .invalidArgument("option 'bearer_token' must be a string")
        }
    }

    /// A keep-alive option: seconds, or 0 or false to switch it off; absent or null keeps `value`.
    private static func keepAlive(_ key: String, _ given: JSONValue?, into value: inout Double?) throws(SessionError) {
        switch given {
        case nil, .null?: return
        case .bool(false)?, .integer(0)?, .double(0)?: value = nil
        case .integer(let seconds)? where seconds > 0: value = Double(seconds)
        case .double(let seconds)? where seconds > 0 && seconds.isFinite: value = seconds
        default: throw .invalidArgument("option '\(key)' must be a positive number of seconds, or 0 (or false) to switch it off")
        }
    }

    /// The `headers` option: an object of strings, each a valid HTTP header line.
    private static func headers(_ value: JSONValue?) throws(SessionError) -> [String: String] {
        guard let value, value != .null else { return [:] }
        guard let object = value.objectValue else {
            throw .invalidArgument("option 'headers' must be an object of strings, such as {\"Authorization\": \"Bearer ...\"}")
        }
        var headers: [String: String] = [:]
        for (name, value) in object.members {
            guard let text = value.stringValue else { throw .invalidArgument("header \(quoted(name)) must be a string") }
            let token = !name.isEmpty && name.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F && !"()<>@,;:\\\"/[]?={}".unicodeScalars.contains($0) }
            guard token else { throw .invalidArgument("header name \(quoted(name)) is not a valid HTTP header name") }
            guard !handshakeHeaders.contains(name.lowercased()) else {
                throw .invalidArgument("header \(quoted(name)) is set by the WebSocket handshake itself; leave it out")
            }
            guard !text.unicodeScalars.contains(where: { ($0.value < 0x20 && $0 != "\t") || $0.value == 0x7F }) else {
                throw .invalidArgument("the value of header \(quoted(name)) holds a line break or control character")
            }
            headers[name] = text
        }
        return headers
    }

    /// The handshake's extra header lines: `headers`, with the `Authorization` of
    /// `requestAuthorization(for:)`.
    func handshakeLines(for address: ServerAddress) throws(SessionError) -> String {
        let lines = headers.filter { $0.key.lowercased() != "authorization" }.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)\r\n" }
        let authorization = try requestAuthorization(for: address)
        return lines.joined() + HTTPClient.authorizationLine(authorization)
    }

    /// The `Authorization` value sent to `address`: the one in `headers`, else the token's.
    func requestAuthorization(for address: ServerAddress) throws(SessionError) -> String? {
        if let given = headers.first(where: { $0.key.lowercased() == "authorization" }) { return given.value }
        return try authorization(for: address)
    }

    /// `GET <address><route>` as JSON, within `timeout` seconds (default: the connect time-out),
    /// with these options' certificates, authorization and size limit.
    public func getJSON(_ route: String, from address: ServerAddress, timeout: Double? = nil) throws(SessionError) -> JSONValue {
        let authorization = try requestAuthorization(for: address)
        do {
            return try HTTPClient.getJSON(address, route: route, timeout: timeout ?? connectTimeout, maximumSize: maximumMessageBytes,
                                          caFile: caFile, authorization: authorization)
        } catch {
            throw .transport(error)
        }
    }

    /// The `Authorization` header value for requests to `address`, if any.
    public func authorization(for address: ServerAddress) throws(SessionError) -> String? {
        guard let token = bearerToken ?? (address.isHuggingFaceSpace ? HubRepository.token : nil) else { return nil }
        guard !token.isEmpty, !token.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw .invalidArgument(
                "the token for \(address) (option 'bearer_token', else HF_TOKEN or the Hugging Face token file) is empty or holds a line break or control character; set it to the token alone")
        }
        return "Bearer \(token)"
    }
}
