/// A request handed to the I/O loop, with where its outcome goes.
struct Submission: Sendable {
    /// The request.
    let request: SessionRequest
    /// Called once, in a pass of the loop, with the checked answer (parsed, and as received)
    /// or why there is none.
    let deliver: @Sendable (Result<(answer: JSONValue, bytes: [UInt8]), SessionError>) -> Void

    /// What is on the wire, for messages.
    var type: String { request.type }
}

/// The loop's bookkeeping for one session. Touched in the passes of the session's loop only.
final class SessionSubmissions: @unchecked Sendable {
    /// Requests waiting for their turn, oldest first (`head` is the next).
    var pending: [Submission] = []
    var head = 0
    /// The request on the wire, if any; the loop holds the session's `callLock` while it is.
    var current: Submission?
    /// When the request on the wire times out (monotonic nanoseconds).
    var deadline: UInt64 = 0
    /// Whether the socket is in the loop's epoll set; whether its readability is watched (not
    /// while set aside for a blocking call, see `SessionLoop+KeepAlive.swift`); and whether its
    /// writability is (only while a frame could not be written whole).
    var registered = false
    var armed = false
    var watchesWritable = false
    /// When the next keep-alive ping is due (monotonic nanoseconds; `.max`: none).
    var nextPing = UInt64.max
    /// When the pong of the keep-alive ping sent last is due (`.max`: none awaited), and the
    /// pongs counted before that ping went out.
    var pingDeadline = UInt64.max
    var pongsBeforePing = 0
}
