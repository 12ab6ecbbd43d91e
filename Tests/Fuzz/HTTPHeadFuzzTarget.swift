// libFuzzer target for the HTTP response head parser (bindings/python/tests/test_fuzz.py). Any
// header block a server sends must parse or be refused with a TransportError.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPHead(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let head = try? HTTPResponseHead(text) {
        // Empty lines before the status line are passed over, as RFC 9112 allows.
        let statusLine = text.split(separator: "\r\n", omittingEmptySubsequences: true).first ?? ""
        guard statusLine.hasPrefix("HTTP/1.") else { fatalError("accepted a head that is not HTTP/1.x: \(text.prefix(80))") }
        _ = head.headers["sec-websocket-accept"]
    }
    return 0
}
