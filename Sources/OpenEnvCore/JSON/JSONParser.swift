// The project's own JSON reader. Foundation's JSONSerialization and Codable cost 2-3x CPython's
// json module per protocol message on Linux (see ARCHITECTURE.md), and every step of an
// episode parses one message, so the step path reads UTF-8 bytes directly into `JSONValue`.

/// Reads JSON documents (RFC 8259, plus Python's `NaN`, `Infinity` and `-Infinity`, which
/// Python servers emit) from UTF-8 bytes.
public struct JSONParser: Sendable {
    /// How deeply arrays and objects may nest before the document is refused.
    public var maximumDepth: Int

    /// A parser that refuses documents nested deeper than `maximumDepth`. The default, 128, is
    /// deeper than any OpenEnv message and keeps reading, checking and writing such a document
    /// within a 64 KiB thread stack (measured: 512 levels needed more than 64 KiB and crashed
    /// a thread with a small stack).
    public init(maximumDepth: Int = 128) {
        self.maximumDepth = maximumDepth
    }

    /// The nesting a server's answer may reach: more than a caller may send (128), because a
    /// server's validation error quotes the action inside its own message, a level or more
    /// deeper. Reading, checking and writing such an answer still fits the stack a C call is
    /// promised (openenv.h: 48 KiB left; measured in misuse_test.c on a 64 KiB thread).
    public static let answerDepth = 160

    /// A parser for what a server sends (``answerDepth``).
    public static var forAnswers: JSONParser { JSONParser(maximumDepth: answerDepth) }

    /// Parses a whole document from `bytes`; anything but white space after the value is an error.
    public func parse<Bytes: Collection>(_ bytes: Bytes) throws(JSONParseError) -> JSONValue where Bytes.Element == UInt8 {
        try read(bytes, with: parseBuffer)
    }

    /// Parses a whole document from a string's UTF-8 form.
    public func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        var text = text
        return try text.withUTF8 { parseBuffer($0) }.get()
    }

    /// Checks that `bytes` hold one whole document, exactly as `parse` would (the same errors),
    /// without building it, and returns the document's message type: the `type` member of a
    /// top-level object when it is a string, else nil. An OpenEnv message is such an object,
    /// and the engine hands raw messages' answers on as text after this check: building them
    /// was a sixth of the I/O thread's `perf` samples per step of a vector environment, the
    /// check is a third of that.
    public func messageType<Bytes: Collection>(of bytes: Bytes) throws(JSONParseError) -> String? where Bytes.Element == UInt8 {
        try read(bytes, with: checkBuffer)
    }

    /// Runs `reader` over `bytes` in place when they are contiguous, else over a copy.
    private func read<Bytes: Collection, Outcome>(
        _ bytes: Bytes, with reader: (UnsafeBufferPointer<UInt8>) -> Result<Outcome, JSONParseError>
    ) throws(JSONParseError) -> Outcome where Bytes.Element == UInt8 {
        if let result = bytes.withContiguousStorageIfAvailable(reader) { return try result.get() }
        return try Array(bytes).withUnsafeBufferPointer(reader).get()
    }

    private func parseBuffer(_ buffer: UnsafeBufferPointer<UInt8>) -> Result<JSONValue, JSONParseError> {
        var reader = JSONReader<BuildingValues>(bytes: buffer, maximumDepth: maximumDepth)
        return reader.readDocument()
    }

    private func checkBuffer(_ buffer: UnsafeBufferPointer<UInt8>) -> Result<String?, JSONParseError> {
        // The check skips strings without decoding them, so it takes their UTF-8 as checked by
        // this one pass; a document that fails it is parsed for the error's offset and reason.
        guard isValidUTF8(buffer) else { return parseBuffer(buffer).map { _ in nil } }
        var reader = JSONReader<CheckingSyntax>(bytes: buffer, maximumDepth: maximumDepth)
        return reader.readDocument().map { _ in reader.messageType }
    }
}

/// Whether a reader builds the values it reads or only checks their syntax; a type rather
/// than a flag so that each reader is compiled without the other's branches.
private protocol JSONReadingMode {
    static var buildsValues: Bool { get }
}

/// `JSONParser.parse`: every value is built.
private enum BuildingValues: JSONReadingMode {
    static var buildsValues: Bool { true }
}

/// `JSONParser.messageType(of:)`: values are read and dropped (each comes back as `null`),
/// but for the top-level object's keys and its string `type`.
private enum CheckingSyntax: JSONReadingMode {
    static var buildsValues: Bool { false }
}

/// The cursor over one document's bytes.
private struct JSONReader<Mode: JSONReadingMode> {
    let bytes: UnsafeBufferPointer<UInt8>
    let maximumDepth: Int
    var index = 0
    /// The top-level object's `type`, when it is a string (its last, if repeated, as in
    /// `JSONObject`); set when checking.
    var messageType: String?

    init(bytes: UnsafeBufferPointer<UInt8>, maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
    }

    var isAtEnd: Bool { index >= bytes.count }

    /// Reads the whole document; anything but white space after the value is an error.
    mutating func readDocument() -> Result<JSONValue, JSONParseError> {
        do throws(JSONParseError) {
            skipWhiteSpace()
            let value = try readValue(depth: 0)
            skipWhiteSpace()
            guard isAtEnd else { throw error("unexpected data after the document") }
            return .success(value)
        } catch {
            return .failure(error)
        }
    }

    func error(_ reason: String, at offset: Int? = nil) -> JSONParseError {
        JSONParseError(offset: offset ?? index, reason: reason)
    }

    mutating func skipWhiteSpace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    mutating func readValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard index < bytes.count else { throw error("unexpected end of input, expected a value") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try readObject(depth: depth + 1)
        case UInt8(ascii: "["): return try readArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try readString(building: Mode.buildsValues))
        case UInt8(ascii: "t"): try expectWord("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectWord("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectWord("null"); return .null
        case UInt8(ascii: "N"): try expectWord("NaN"); return .double(.nan)
        case UInt8(ascii: "I"): try expectWord("Infinity"); return .double(.infinity)
        case UInt8(ascii: "-") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "I"):
            index += 1
            try expectWord("Infinity")
            return .double(-.infinity)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try readNumber()
        default: throw error("unexpected character \(describe(bytes[index])), expected a value")
        }
    }

    private func describe(_ byte: UInt8) -> String {
        (0x21..<0x7F).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
    }

    private mutating func expectWord(_ word: StaticString) throws(JSONParseError) {
        let start = index
        let count = word.utf8CodeUnitCount
        guard bytes.count - index >= count else { throw error("unexpected end of input in literal \(word)", at: start) }
        let matches = word.withUTF8Buffer { expected in
            (0..<count).allSatisfy { bytes[index + $0] == expected[$0] }
        }
        guard matches else { throw error("invalid literal, expected \(word)", at: start) }
        index += count
    }

    private mutating func readObject(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= maximumDepth else { throw error("nesting deeper than \(maximumDepth) levels") }
        index += 1
        var members: [(String, JSONValue)] = []
        skipWhiteSpace()
        if index < bytes.count && bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(JSONObject())
        }
        while true {
            skipWhiteSpace()
            guard index < bytes.count else { throw error("unexpected end of input in an object") }
            guard bytes[index] == UInt8(ascii: "\"") else { throw error("expected a string key in an object") }
            let isTopLevel = !Mode.buildsValues && depth == 1
            let key = try readString(building: Mode.buildsValues || isTopLevel)
            skipWhiteSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                throw error("expected ':' after an object key")
            }
            index += 1
            skipWhiteSpace()
            if Mode.buildsValues {
                members.append((key, try readValue(depth: depth)))
            } else if isTopLevel && key == "type" {
                let isString = index < bytes.count && bytes[index] == UInt8(ascii: "\"")
                messageType = isString ? try readString(building: true) : nil
                if !isString { _ = try readValue(depth: depth) }
            } else {
                _ = try readValue(depth: depth)
            }
            skipWhiteSpace()
            guard index < bytes.count else { throw error("unexpected end of input in an object") }
            switch bytes[index] {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                return .object(JSONObject(members))
            default: throw error("expected ',' or '}' in an object")
            }
        }
    }

    private mutating func readArray(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= maximumDepth else { throw error("nesting deeper than \(maximumDepth) levels") }
        index += 1
        var elements: [JSONValue] = []
        skipWhiteSpace()
        if index < bytes.count && bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipWhiteSpace()
            let element = try readValue(depth: depth)
            if Mode.buildsValues { elements.append(element) }
            skipWhiteSpace()
            guard index < bytes.count else { throw error("unexpected end of input in an array") }
            switch bytes[index] {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                return .array(elements)
            default: throw error("expected ',' or ']' in an array")
            }
        }
    }

    private mutating func readNumber() throws(JSONParseError) -> JSONValue {
        let start = index
        var isInteger = true
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else { throw error("expected a digit in a number") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if index < bytes.count && isDigit(bytes[index]) { throw error("leading zeros are not allowed in a number") }
        } else {
            skipDigits()
        }
        if index < bytes.count && bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { throw error("expected a digit after '.'") }
            skipDigits()
        }
        if index < bytes.count && (bytes[index] | 0x20) == UInt8(ascii: "e") {
            isInteger = false
            index += 1
            if index < bytes.count && (bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")) {
                index += 1
            }
            guard index < bytes.count, isDigit(bytes[index]) else { throw error("expected a digit in an exponent") }
            skipDigits()
        }
        guard Mode.buildsValues else { return .null }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        if isInteger {
            if let value = Int64(text) { return .integer(value) }
            return .bigInteger(text)
        }
        guard let value = Double(text) else { throw error("number out of range", at: start) }
        return .double(value)
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte &- UInt8(ascii: "0") < 10
    }

    private mutating func skipDigits() {
        while index < bytes.count && isDigit(bytes[index]) { index += 1 }
    }

    /// Reads a string; without `building`, checks it and returns "" (its UTF-8 is then
    /// already checked, with the whole document's).
    mutating func readString(building: Bool) throws(JSONParseError) -> String {
        let start = index
        index += 1
        let contentStart = index
        // Fast path: no escapes, so the bytes are the string.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                guard building else {
                    index += 1
                    return ""
                }
                let raw = UnsafeBufferPointer(rebasing: bytes[contentStart..<index])
                guard let text = String(validating: raw, as: UTF8.self) else {
                    throw error("invalid UTF-8 in a string", at: firstInvalidUTF8(from: contentStart, to: index))
                }
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw error("unescaped control character in a string") }
            index += 1
        }
        guard index < bytes.count else { throw error("unterminated string", at: start) }
        return try readEscapedString(contentStart: contentStart)
    }

    private mutating func readEscapedString(contentStart: Int) throws(JSONParseError) -> String {
        var utf8: [UInt8] = Array(UnsafeBufferPointer(rebasing: bytes[contentStart..<index]))
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                let end = index
                index += 1
                guard let text = String(validating: utf8, as: UTF8.self) else {
                    throw error("invalid UTF-8 in a string", at: firstInvalidUTF8(from: contentStart, to: end))
                }
                return text
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { break }
                try appendEscape(to: &utf8)
            case 0..<0x20:
                throw error("unescaped control character in a string")
            default:
                utf8.append(byte)
                index += 1
            }
        }
        throw error("unterminated string", at: contentStart - 1)
    }

    private mutating func appendEscape(to utf8: inout [UInt8]) throws(JSONParseError) {
        let escapeStart = index - 1
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""): utf8.append(0x22)
        case UInt8(ascii: "\\"): utf8.append(0x5C)
        case UInt8(ascii: "/"): utf8.append(0x2F)
        case UInt8(ascii: "b"): utf8.append(0x08)
        case UInt8(ascii: "f"): utf8.append(0x0C)
        case UInt8(ascii: "n"): utf8.append(0x0A)
        case UInt8(ascii: "r"): utf8.append(0x0D)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try readHex4(escapeStart: escapeStart)
            if (0xD800..<0xDC00).contains(scalar), index + 1 < bytes.count,
                bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
            {
                let save = index
                index += 2
                let low = try readHex4(escapeStart: save)
                if (0xDC00..<0xE000).contains(low) {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else {
                    index = save  // not a pair: the high half stands alone
                }
            }
            // A lone surrogate cannot be held in a Swift string: it becomes U+FFFD, as lenient
            // decoders do, rather than failing a whole message.
            let decoded = Unicode.Scalar(scalar) ?? "\u{FFFD}"
            UTF8.encode(decoded) { utf8.append($0) }
        default:
            throw error("invalid escape '\\\(Character(Unicode.Scalar(byte)))' in a string", at: escapeStart)
        }
    }

    private mutating func readHex4(escapeStart: Int) throws(JSONParseError) -> UInt32 {
        guard bytes.count - index >= 4 else { throw error("incomplete \\u escape", at: escapeStart) }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("invalid hex digit in a \\u escape")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    /// The offset of the first byte in `start..<end` where UTF-8 decoding fails.
    private func firstInvalidUTF8(from start: Int, to end: Int) -> Int {
        var position = start
        while position < end {
            let lead = bytes[position]
            let length: Int
            switch lead {
            case 0..<0x80: length = 1
            case 0xC2..<0xE0: length = 2
            case 0xE0..<0xF0: length = 3
            case 0xF0..<0xF5: length = 4
            default: return position
            }
            guard end - position >= length,
                String(validating: UnsafeBufferPointer(rebasing: bytes[position..<position + length]), as: UTF8.self) != nil
            else { return position }
            position += length
        }
        return start
    }
}
