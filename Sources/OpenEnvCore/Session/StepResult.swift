/// What the server answered to `reset` or `step`.
public struct StepResult: Sendable, Equatable {
    /// The observation's fields (without `reward` and `done`, which sit beside it on the wire).
    public var observation: JSONObject
    /// The reward: null, a bool, an integer or a float, as the server sent it.
    public var reward: JSONValue
    /// Whether the episode is over.
    public var done: Bool
    /// The whole `data` object of the answer.
    public var raw: JSONValue

    /// Reads an answer's `data` object: `{"observation": {...}, "reward": ..., "done": ...}`.
    init(data: JSONValue) throws(SessionError) {
        guard let object = data.objectValue else { throw .unexpectedAnswer("an observation whose data is not an object") }
        switch object["observation"] {
        case .object(let fields)?: observation = fields
        case nil, .null?: observation = JSONObject()
        default: throw .unexpectedAnswer("an observation that is not an object")
        }
        reward = object["reward"] ?? .null
        switch object["done"] {
        case .bool(let flag)?: done = flag
        case nil, .null?: done = false
        default: throw .unexpectedAnswer("'done' that is not true or false")
        }
        raw = data
    }

    /// The JSON form handed to C and Python: `{"observation", "reward", "done"}`.
    public var json: JSONValue {
        ["observation": .object(observation), "reward": reward, "done": .bool(done)]
    }
}
