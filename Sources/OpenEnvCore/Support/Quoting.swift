/// `text` as error messages show what a caller or server gave: whole when short, else its
/// start and how long it was, so a 50 MB argument never becomes a 50 MB message.
func quoted(_ text: String, limit: Int = 120) -> String {
    var prefix = ""
    var count = 0
    for character in text {
        guard count < limit else { return "'\(prefix)…' (\(text.count) characters)" }
        prefix.append(character)
        count += 1
    }
    return "'\(prefix)'"
}
