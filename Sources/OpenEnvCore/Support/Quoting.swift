/// `text` as error messages show what a caller or server gave: whole when short, else its
/// start and how long it was, so a 50 MB argument never becomes a 50 MB message. Control
/// characters are written as `\uXXXX`, so a quoted NUL cannot end a C string early nor a line
/// break start a new line.
func quoted(_ text: String, limit: Int = 120) -> String {
    var prefix = ""
    var count = 0
    for character in text {
        guard count < limit else { return "'\(escapingControls(prefix))…' (\(text.count) characters)" }
        prefix.append(character)
        count += 1
    }
    return "'\(escapingControls(prefix))'"
}

/// `text` with each C0 or C1 control character and DEL written as `\uXXXX`.
private func escapingControls(_ text: String) -> String {
    guard text.unicodeScalars.contains(where: isControl) else { return text }
    var escaped = ""
    for scalar in text.unicodeScalars {
        if isControl(scalar) {
            let code = String(scalar.value, radix: 16, uppercase: true)
            escaped += "\\u" + String(repeating: "0", count: 4 - code.count) + code
        } else {
            escaped.unicodeScalars.append(scalar)
        }
    }
    return escaped
}

private func isControl(_ scalar: Unicode.Scalar) -> Bool {
    scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
}
