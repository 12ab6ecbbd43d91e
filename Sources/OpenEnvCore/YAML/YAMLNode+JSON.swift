extension YAMLNode {
    /// The node as JSON, with plain scalars typed as PyYAML's `safe_load` types them (YAML
    /// 1.1), so a manifest reads here as it does in the reference: `true`/`yes`/`on` and their
    /// opposites are booleans, `~`/`null`/empty are null, decimal, `0x`, `0b` and leading-zero
    /// octal integers (with `_` separators) are integers, numbers with a dot or `.inf`/`.nan`
    /// are floats. Quoted and block scalars stay strings; a key that is not a scalar is
    /// written in YAML's flow form.
    var json: JSONValue {
        switch self {
        case .scalar(let text, let plain):
            return plain ? Self.resolve(text) : .string(text)
        case .sequence(let items):
            return .array(items.map(\.json))
        case .mapping(let pairs):
            return .object(JSONObject(pairs.map { ($0.key.text ?? $0.key.flowText, $0.value.json) }))
        }
    }

    /// The node in YAML's flow form (`[a, b]`, `{k: v}`), for keys that are collections.
    private var flowText: String {
        switch self {
        case .scalar(let text, _): return text
        case .sequence(let items): return "[" + items.map(\.flowText).joined(separator: ", ") + "]"
        case .mapping(let pairs): return "{" + pairs.map { $0.key.flowText + ": " + $0.value.flowText }.joined(separator: ", ") + "}"
        }
    }

    private static let trueWords: Set<String> = ["yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"]
    private static let falseWords: Set<String> = ["no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"]
    private static let nullWords: Set<String> = ["", "~", "null", "Null", "NULL"]

    /// A plain scalar's value.
    private static func resolve(_ text: String) -> JSONValue {
        if nullWords.contains(text) { return .null }
        if trueWords.contains(text) { return .bool(true) }
        if falseWords.contains(text) { return .bool(false) }
        if let number = integer(text) { return number }
        if let number = float(text) { return .double(number) }
        return .string(text)
    }

    /// `[-+]?` then `0b[01_]+`, `0x[0-9a-fA-F_]+`, `0[0-7_]+` (octal) or `[1-9][0-9_]*|0`.
    private static func integer(_ text: String) -> JSONValue? {
        var body = Substring(text)
        let negative = body.first == "-"
        if body.first == "-" || body.first == "+" { body = body.dropFirst() }
        let radix: Int
        if body.hasPrefix("0b") {
            radix = 2
            body = body.dropFirst(2)
        } else if body.hasPrefix("0x") {
            radix = 16
            body = body.dropFirst(2)
        } else if body.count > 1 && body.hasPrefix("0") {
            radix = 8
            body = body.dropFirst()
        } else {
            radix = 10
            guard let first = body.first, first.isASCII, first.isNumber else { return nil }
        }
        let digits = body.filter { $0 != "_" }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isHexDigit }) else { return nil }
        guard let magnitude = UInt64(digits, radix: radix) else {
            // Digits of the radix but too large for 64 bits: a big integer, as JSON keeps them.
            guard radix == 10, digits.allSatisfy(\.isNumber) else { return nil }
            return .bigInteger((negative ? "-" : "") + digits)
        }
        if negative {
            return magnitude <= UInt64(Int64.max) + 1 ? .integer(Int64(truncatingIfNeeded: 0 &- magnitude)) : .bigInteger("-" + String(magnitude))
        }
        return magnitude <= UInt64(Int64.max) ? .integer(Int64(magnitude)) : .bigInteger(String(magnitude))
    }

    /// `[-+]?` then `[0-9][0-9_]*\.[0-9_]*` or `\.[0-9_]+`, with `[eE][-+][0-9]+` after either;
    /// `[-+]?\.(inf|Inf|INF)`; `\.(nan|NaN|NAN)`.
    private static func float(_ text: String) -> Double? {
        var body = Substring(text)
        let sign: Double = body.first == "-" ? -1 : 1
        if body.first == "-" || body.first == "+" { body = body.dropFirst() }
        if [".inf", ".Inf", ".INF"].contains(body) { return sign * .infinity }
        if [".nan", ".NaN", ".NAN"].contains(text) { return .nan }
        let isDigit = { (character: Character) in character.isASCII && character.isNumber }
        var mantissa = body
        var exponent = ""
        if let e = body.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = body[..<e]
            let power = body[body.index(after: e)...]
            guard power.count > 1, power.first == "+" || power.first == "-", power.dropFirst().allSatisfy(isDigit) else { return nil }
            exponent = "e" + power
        }
        guard let dot = mantissa.firstIndex(of: ".") else { return nil }
        let whole = mantissa[..<dot]
        let fraction = mantissa[mantissa.index(after: dot)...]
        let isDigitOrSeparator = { (character: Character) in character == "_" || isDigit(character) }
        guard whole.allSatisfy(isDigitOrSeparator), fraction.allSatisfy(isDigitOrSeparator) else { return nil }
        guard whole.isEmpty ? !fraction.isEmpty : whole.first != "_" else { return nil }
        return Double(String(mantissa.filter { $0 != "_" }) + exponent).map { sign * $0 }
    }
}
