// The project's own JSON writer, for the same measured reason as `JSONParser`: the step path
// writes one message per step, and Foundation's encoders cost several times CPython's here.

extension JSONValue {
    /// The compact JSON text of this value as UTF-8 bytes.
    ///
    /// Floats are written the way Python's `repr` writes them (shortest text that reads back
    /// to the same value, `1.0` rather than `1`), so values round-trip exactly with Python
    /// peers. Non-finite floats are written `NaN`, `Infinity`, `-Infinity`, as Python's `json`
    /// does. Text is raw UTF-8; only `"`, `\` and control characters are escaped.
    public func serializedBytes() -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(64)
        JSONWriter.write(self, into: &output)
        return output
    }

    /// The compact JSON text of this value.
    public func serialized() -> String {
        String(decoding: serializedBytes(), as: UTF8.self)
    }
}

/// Appends JSON text to a byte buffer.
enum JSONWriter {
    static func write(_ value: JSONValue, into output: inout [UInt8]) {
        switch value {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let flag): output.append(contentsOf: (flag ? "true" : "false").utf8)
        case .integer(let number): output.append(contentsOf: String(number).utf8)
        case .bigInteger(let digits): output.append(contentsOf: digits.utf8)
        case .double(let number): output.append(contentsOf: pythonRepr(number).utf8)
        case .string(let text): writeString(text, into: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (position, element) in elements.enumerated() {
                if position > 0 { output.append(UInt8(ascii: ",")) }
                write(element, into: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let object):
            output.append(UInt8(ascii: "{"))
            for (position, member) in object.members.enumerated() {
                if position > 0 { output.append(UInt8(ascii: ",")) }
                writeString(member.key, into: &output)
                output.append(UInt8(ascii: ":"))
                write(member.value, into: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    static func writeString(_ text: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): output.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: output.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: output.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: output.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0..<0x20:
                output.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30])
                output.append(hexDigits[Int(byte >> 4)])
                output.append(hexDigits[Int(byte & 0xF)])
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }

    /// Python's `repr(float)`: the shortest round-tripping digits, positional notation for
    /// exponents from -4 up to 15, scientific (`1e+16`, `1e-05`) outside that.
    static func pythonRepr(_ number: Double) -> String {
        if number.isNaN { return "NaN" }
        if number.isInfinite { return number < 0 ? "-Infinity" : "Infinity" }
        if number == 0 { return number.sign == .minus ? "-0.0" : "0.0" }
        // Swift's description gives the shortest round-tripping digits; only its layout differs.
        let (negative, digits, exponent) = decompose(number.description)
        var text = negative ? "-" : ""
        if exponent < -4 || exponent >= 16 {
            text += String(digits.first!)
            if digits.count > 1 { text += "." + digits.dropFirst() }
            let magnitude = abs(exponent)
            text += (exponent < 0 ? "e-" : "e+") + (magnitude < 10 ? "0" : "") + String(magnitude)
        } else if exponent < 0 {
            text += "0." + String(repeating: "0", count: -exponent - 1) + digits
        } else if digits.count > exponent + 1 {
            let split = digits.index(digits.startIndex, offsetBy: exponent + 1)
            text += digits[..<split] + "." + digits[split...]
        } else {
            text += digits + String(repeating: "0", count: exponent + 1 - digits.count) + ".0"
        }
        return text
    }

    /// Splits a Swift float description into sign, significant digits (no leading or trailing
    /// zeros) and the decimal exponent of the first digit.
    private static func decompose(_ description: String) -> (negative: Bool, digits: String, exponent: Int) {
        var text = Substring(description)
        let negative = text.hasPrefix("-")
        if negative { text = text.dropFirst() }
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...])!
            text = text[..<e]
        }
        let pointIndex = text.firstIndex(of: ".") ?? text.endIndex
        let integerPart = text[..<pointIndex]
        let fractionPart = pointIndex < text.endIndex ? text[text.index(after: pointIndex)...] : ""
        var allDigits = String(integerPart) + fractionPart
        var firstDigitExponent = integerPart.count - 1 + exponent
        while allDigits.hasPrefix("0") {
            allDigits.removeFirst()
            firstDigitExponent -= 1
        }
        while allDigits.hasSuffix("0") { allDigits.removeLast() }
        return (negative, allDigits.isEmpty ? "0" : allDigits, firstDigitExponent)
    }
}
