/// What a server's answer to a new session's first request (a state request) says about the
/// session. A server tells whether it has room only this way: it refuses a session it cannot
/// hold (CAPACITY_REACHED) at the session's first message.
enum Admission {
    /// The session is the server's: it answered, or failed in a way that keeps the session
    /// (the environment cannot tell its state yet).
    case admitted
    /// The server is full; it holds at most this many sessions, when it said.
    case full(maximum: Int?)
    /// The session is gone for another reason (the server could not be reached, or could not
    /// make the environment).
    case lost(SessionError)

    /// The admission that `answer` (the first request's outcome) tells of.
    init<Answer>(_ answer: Result<Answer, SessionError>) {
        switch answer {
        case .success:
            self = .admitted
        case .failure(.server(let error)) where !error.closesSession:
            self = .admitted
        case .failure(.server(let refusal)) where refusal.code == "CAPACITY_REACHED":
            self = .full(maximum: refusal.details["max_sessions"]?.integerValue.map(Int.init))
        case .failure(let error):
            self = .lost(error)
        }
    }
}
