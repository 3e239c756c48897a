import Benchmark
import Foundation
import Routing

/// The `auto` policy's cost per request: the features of the last user turn and the classifier's
/// score, for a chat message, a long task description and a pasted document (the goal: well under
/// 0.1 ms per request).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .mallocCountTotal], maxDuration: .seconds(2), maxIterations: 100_000)

    let classifier = AutoClassifier.shipped
    let task = """
        A tank holds 1,200 litres. Pipe A fills it in 3 h 20 min and pipe B empties it in 5 h. Both open at 09:15; \
        at 10:40 pipe A's flow drops by 35%. First find the volume at 10:40, then compute when the tank is full, and \
        prove that the answer is unique. Show every step and the equations.
        """
    let prompts: [(String, String)] = [
        ("chat-30B", "Can you summarise this for me?"),
        ("task-330B", task),
        ("multiple-choice-400B", """
            Which of the following is the body cavity that contains the pituitary gland?
            A. Abdominal
            B. Cranial
            C. Pleural
            D. Spinal
            Answer:
            """),
        ("document-16KB", String(repeating: task + "\n", count: 50)),
        ("document-1MB", String(repeating: task + "\n", count: 3_000)),
    ]
    for (name, prompt) in prompts {
        Benchmark("auto score \(name)") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(classifier.score(PromptFeatures(prompt: prompt)))
            }
        }
    }
}
