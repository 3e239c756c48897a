import ArgumentParser

/// A refusal or failure: ArgumentParser prints the reason on one line of standard error and
/// exits with status 1 (usage errors, `ValidationError`, exit with 2).
struct CommandFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }
}
