/// What a server says about itself over its HTTP routes, without opening a session.
public struct ServerProbe: Sendable {
    /// `GET /health`.
    public let health: JSONValue
    /// `GET /metadata`.
    public let metadata: JSONValue
    /// `GET /schema`.
    public let schema: JSONValue

    /// Asks the server at `address`, each request within `timeout` seconds, with `options`'
    /// certificates, authorization (a Hugging Face Space gets the Hub token) and size limit.
    public init(address: ServerAddress, options: SessionOptions = SessionOptions(), timeout: Double = 10) throws(SessionError) {
        health = try options.getJSON("/health", from: address, timeout: timeout)
        metadata = try options.getJSON("/metadata", from: address, timeout: timeout)
        schema = try options.getJSON("/schema", from: address, timeout: timeout)
    }
}
