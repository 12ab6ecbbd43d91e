/// An action's JSON Schema as an OpenEnv server publishes it (`GET /schema` -> `action`,
/// pydantic's output): its fields, and validation of an action before it is sent.
///
/// Understood keywords: `type` (one or several), `enum`, `const`, `anyOf`/`oneOf`/`allOf`,
/// `$ref` into `$defs`, `minimum`/`maximum`/`exclusiveMinimum`/`exclusiveMaximum`,
/// `minLength`/`maxLength`, `items`/`minItems`/`maxItems`, nested `properties`/`required`/
/// `additionalProperties`, and `default`. Others (`pattern`, `format`) are left to the server.
public struct ActionSchema: Sendable {
    /// One field of the action.
    public struct Field: Sendable, Equatable {
        public let name: String
        public let required: Bool
        public let description: String?
        /// The default, when the schema gives one.
        public let defaultValue: JSONValue?
        /// The field's own schema.
        public let schema: JSONValue
    }

    /// The schema's title (the action class's name, e.g. `ParrotAction`).
    public let title: String
    public let description: String?
    /// The fields in schema order.
    public let fields: [Field]
    /// Whether fields not in the schema are accepted.
    public let allowsUnknownFields: Bool
    private let definitions: JSONObject

    /// Why a schema could not be used.
    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Reads an action schema, or the whole `/schema` answer (its `action` part is used).
    public init(json: JSONValue) throws(Invalid) {
        var schema = json
        if schema["properties"] == nil, let action = schema["action"], action.objectValue != nil { schema = action }
        guard let object = schema.objectValue else { throw Invalid(description: "an action schema must be a JSON object") }
        guard object["type"] == nil || object["type"] == "object" else {
            throw Invalid(description: "an action schema must describe an object, not \(object["type"]!.serialized())")
        }
        title = object["title"]?.stringValue ?? "Action"
        description = object["description"]?.stringValue
        allowsUnknownFields = object["additionalProperties"] != .bool(false)
        definitions = object["$defs"]?.objectValue ?? object["definitions"]?.objectValue ?? JSONObject()
        var properties: [(name: String, schemas: [JSONValue])] = []
        var required = Set<String>()
        var visited = Set<String>()
        Self.gather(object, definitions: definitions, depth: 0, visited: &visited, into: &properties, required: &required)
        fields = properties.map { name, schemas in
            let first = schemas[0]
            return Field(name: name, required: required.contains(name), description: first["description"]?.stringValue,
                         defaultValue: first["default"], schema: schemas.count == 1 ? first : ["allOf": .array(schemas)])
        }
    }

    /// The properties and required names of `object` and of every part of its `allOf` (through
    /// `$ref`s, to any depth below 64): all of them apply to the action. A property named by
    /// several parts keeps every part's rule. Each definition is gathered once (`visited`): one
    /// that names itself twice over would otherwise fan out exponentially.
    private static func gather(_ object: JSONObject, definitions: JSONObject, depth: Int, visited: inout Set<String>,
                               into properties: inout [(name: String, schemas: [JSONValue])], required: inout Set<String>) {
        guard depth < 64 else { return }
        for (name, schema) in object["properties"]?.objectValue?.members ?? [] {
            if let index = properties.firstIndex(where: { $0.name == name }) {
                properties[index].schemas.append(schema)
            } else {
                properties.append((name, [schema]))
            }
        }
        required.formUnion((object["required"]?.arrayValue ?? []).compactMap(\.stringValue))
        for part in object["allOf"]?.arrayValue ?? [] {
            var resolved = part
            if let reference = part["$ref"]?.stringValue {
                let name = String(reference.split(separator: "/").last ?? "")
                guard visited.insert(name).inserted, let target = definitions[name] else { continue }
                resolved = target
            }
            if let partObject = resolved.objectValue {
                gather(partObject, definitions: definitions, depth: depth + 1, visited: &visited, into: &properties, required: &required)
            }
        }
    }

    /// The action with defaults filled in, or the list of everything wrong with it.
    public func validate(_ action: JSONObject) -> Result<JSONObject, ActionValidationError> {
        var problems: [String] = []
        for field in fields where field.required && action[field.name] == nil {
            problems.append("missing required field '\(field.name)'")
        }
        var completed = JSONObject()
        let budget = CheckBudget()
        for (name, value) in action.members {
            guard let field = fields.first(where: { $0.name == name }) else {
                if !allowsUnknownFields {
                    problems.append("unknown field '\(name)' (\(title) takes: \(fields.map(\.name).joined(separator: ", ")))")
                }
                completed[name] = value
                continue
            }
            problems += check(value, against: field.schema, at: name, depth: 0, budget: budget)
            completed[name] = value
        }
        guard problems.isEmpty else {
            // One problem reached by several paths (an allOf naming the same rule twice, a
            // definition used by several branches) is listed once, where it came first.
            var seen = Set<String>()
            return .failure(ActionValidationError(title: title, problems: problems.filter { seen.insert($0).inserted }))
        }
        var ordered = JSONObject()
        for field in fields {
            if let value = completed[field.name] ?? field.defaultValue { ordered[field.name] = value }
        }
        for (name, value) in completed.members where ordered[name] == nil { ordered[name] = value }
        return .success(ordered)
    }

    /// What is wrong with `value` under `schema`, each problem naming `path`. Every rule
    /// visited spends `budget`: a schema that refers to itself several times over (allOf of
    /// itself twice, say) fans out exponentially below the depth limit, and must still end.
    private func check(_ value: JSONValue, against schema: JSONValue, at path: String, depth: Int, budget: CheckBudget) -> [String] {
        guard depth < 64, let rule = schema.objectValue else { return [] }
        guard budget.spend() else { return ["field '\(path)': the schema is too deeply self-referential to check (over \(CheckBudget.rules) rules)"] }
        if let reference = rule["$ref"]?.stringValue {
            let name = String(reference.split(separator: "/").last ?? "")
            return definitions[name].map { check(value, against: $0, at: path, depth: depth + 1, budget: budget) } ?? []
        }
        for key in ["anyOf", "oneOf"] {
            if let options = rule[key]?.arrayValue, !options.isEmpty {
                if options.contains(where: { check(value, against: $0, at: path, depth: depth + 1, budget: budget).isEmpty }) { return [] }
                let expected = options.compactMap { $0["type"]?.stringValue ?? $0["$ref"]?.stringValue?.split(separator: "/").last.map(String.init) }
                return ["field '\(path)': \(describe(value)) is not \(expected.isEmpty ? "valid" : "one of: " + expected.joined(separator: ", "))"]
            }
        }
        var problems: [String] = []
        for part in rule["allOf"]?.arrayValue ?? [] { problems += check(value, against: part, at: path, depth: depth + 1, budget: budget) }
        if let types = rule["type"].map({ $0.arrayValue?.compactMap(\.stringValue) ?? [$0.stringValue ?? ""] }),
            !types.contains(where: { Self.value(value, hasType: $0) })
        {
            return problems + ["field '\(path)': expected \(types.joined(separator: " or ")), got \(describe(value))"]
        }
        if let allowed = rule["enum"]?.arrayValue, !allowed.contains(value) {
            problems.append("field '\(path)': \(describe(value)) is not one of \(allowed.map { $0.serialized() }.joined(separator: ", "))")
        }
        if let constant = rule["const"], constant != value { problems.append("field '\(path)': must be \(constant.serialized())") }
        if let number = Self.number(value) {
            if let bound = rule["minimum"].flatMap(Self.number), number < bound { problems.append("field '\(path)': \(describe(value)) is less than the minimum \(rule["minimum"]!.serialized())") }
            if let bound = rule["maximum"].flatMap(Self.number), number > bound { problems.append("field '\(path)': \(describe(value)) is more than the maximum \(rule["maximum"]!.serialized())") }
            if let bound = rule["exclusiveMinimum"].flatMap(Self.number), number <= bound { problems.append("field '\(path)': \(describe(value)) must be more than \(rule["exclusiveMinimum"]!.serialized())") }
            if let bound = rule["exclusiveMaximum"].flatMap(Self.number), number >= bound { problems.append("field '\(path)': \(describe(value)) must be less than \(rule["exclusiveMaximum"]!.serialized())") }
        }
        if case .string(let text) = value {
            let length = text.unicodeScalars.count
            if let bound = rule["minLength"].flatMap(Self.number), Double(length) < bound { problems.append("field '\(path)': shorter than \(rule["minLength"]!.serialized()) characters") }
            if let bound = rule["maxLength"].flatMap(Self.number), Double(length) > bound { problems.append("field '\(path)': longer than \(rule["maxLength"]!.serialized()) characters") }
        }
        if case .array(let elements) = value {
            if let bound = rule["minItems"].flatMap(Self.number), Double(elements.count) < bound { problems.append("field '\(path)': fewer than \(rule["minItems"]!.serialized()) items") }
            if let bound = rule["maxItems"].flatMap(Self.number), Double(elements.count) > bound { problems.append("field '\(path)': more than \(rule["maxItems"]!.serialized()) items") }
            if let items = rule["items"] {
                for (index, element) in elements.enumerated() { problems += check(element, against: items, at: "\(path)[\(index)]", depth: depth + 1, budget: budget) }
            }
        }
        if case .object(let members) = value {
            for name in (rule["required"]?.arrayValue ?? []).compactMap(\.stringValue) where members[name] == nil {
                problems.append("field '\(path).\(name)': missing")
            }
            let properties = rule["properties"]?.objectValue ?? JSONObject()
            for (name, member) in members.members {
                if let property = properties[name] {
                    problems += check(member, against: property, at: "\(path).\(name)", depth: depth + 1, budget: budget)
                } else if rule["additionalProperties"] == .bool(false) {
                    problems.append("field '\(path).\(name)': not allowed")
                }
            }
        }
        return problems
    }

    private func describe(_ value: JSONValue) -> String {
        let text = value.serialized()
        return text.count > 60 ? String(text.prefix(57)) + "..." : text
    }

    private static func number(_ value: JSONValue) -> Double? {
        switch value {
        case .integer(let number): return Double(number)
        case .double(let number): return number
        default: return nil
        }
    }

    private static func value(_ value: JSONValue, hasType type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object): return true
        case ("integer", .integer), ("integer", .bigInteger), ("number", .integer), ("number", .bigInteger), ("number", .double): return true
        case ("integer", .double(let number)): return number.rounded() == number && number.isFinite
        default: return false
        }
    }
}

/// How many schema rules one validation may visit.
final class CheckBudget {
    /// The most rules one action's check visits.
    static let rules = 100_000
    private var remaining = rules

    /// Spends one rule; false once none are left.
    func spend() -> Bool {
        remaining -= 1
        return remaining >= 0
    }
}

/// An action that does not fit its schema, with every problem found.
public struct ActionValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The action's class name.
    public let title: String
    /// One sentence per problem.
    public let problems: [String]

    public var description: String {
        "invalid \(title): " + problems.joined(separator: "; ")
    }
}
