import Foundation
import Providers
@testable import Routing
import Testing
import TollgateCore
import TollgateTesting

@Suite struct AutoRouterTests {
    // MARK: the evaluation protocol

    /// One prompt only the strong model gets right, three both get right; strong costs 10, weak 1.
    static let outcomes: [(gain: Double, weak: Double, strong: Double)] = [(1, 0, 1), (0, 1, 1), (0, 1, 1), (0, 1, 1)]

    static func evaluate(_ scores: [Double]) -> RouterEvaluation {
        RouterEvaluation(zip(scores, outcomes).map { score, outcome in
            RouterEvaluation.Outcome(score: score, weakQuality: outcome.weak, strongQuality: outcome.strong, weakCost: 1, strongCost: 10)
        })
    }

    @Test func aRouterThatRanksTheOnlyPromptThatGainsFirstRecoversTheGapWithItsFirstStrongCall() {
        let result = Self.evaluate([0.9, 0.1, 0.2, 0.3])
        #expect(abs(result.apgr - 0.875) < 1e-12, "PGR 0, 1, 1, 1, 1 over k = 0…4")
        #expect(abs(result.cpt50 - 0.125) < 1e-12, "half of the first step")
        #expect(abs(result.cpt80 - 0.2) < 1e-12)
        #expect(abs(result.saving95 - (1 - 13.0 / 40)) < 1e-12, "one strong call (10) and three weak (3) of 40")
    }

    @Test func equalScoresAreRoutedAsABlockSoAConstantRouterScoresExactlyOneHalf() {
        let result = Self.evaluate([0.5, 0.5, 0.5, 0.5])
        #expect(abs(result.apgr - 0.5) < 1e-12)
        #expect(abs(result.cpt50 - 0.5) < 1e-12)
        #expect(abs(result.saving95 - 0) < 1e-12, "95% of the strong quality needs 3.8 of 4: every prompt strong")
    }

    @Test func aRouterThatRanksTheGainingPromptLastScoresBelowRandom() {
        let result = Self.evaluate([0, 0.5, 0.6, 0.7])
        #expect(abs(result.apgr - 0.125) < 1e-12)
        #expect(result.cpt80 > 0.75)
    }

    // MARK: the shared data format

    @Test func csvFieldsMayHoldQuotedCommasNewlinesAndDoubledQuotes() throws {
        let rows = try CSVReader.rows("prompt,a,b\n\"Which, of these\nis \"\"right\"\"?\",True,False\r\nplain,False,True\n")
        #expect(rows == [["prompt", "a", "b"], ["Which, of these\nis \"right\"?", "True", "False"], ["plain", "False", "True"]])
        #expect(throws: RoutingDatasetError.self) { try CSVReader.rows("\"never closed,1,2\n") }
    }

    @Test func theDataSetsOfADirectoryAreReadInTheSharedFormatWithoutTheirContaminatedPrompts() throws {
        let directory = try Self.sampleData()
        defer { try? FileManager.default.removeItem(at: directory) }
        let datasets = try RoutingDataset.load(from: directory)
        #expect(datasets.map(\.name) == ["mmlu", "gsm8k", "mt_bench"])
        let mmlu = datasets[0]
        #expect(mmlu.items.map(\.prompt) == ["What is 2 + 2?\nA. 3\nB. 4", "Name a planet."], "the contaminated prompt is left out")
        #expect(mmlu.items.map(\.subject) == ["algebra", "astronomy"])
        #expect(mmlu.items.map(\.gain) == [1, 0])
        let gsm8k = datasets[1]
        #expect(gsm8k.items.count == 1)
        #expect(gsm8k.items[0].weakAnswer == "It is 5.")
        #expect(gsm8k.items[0].gain == -1)
        let mtBench = datasets[2]
        #expect(mtBench.items.count == 1)
        #expect(mtBench.items[0].prompt == "Write a haiku.")
        #expect(mtBench.items[0].laterTurns == ["Now make it rhyme."])
        #expect(mtBench.items[0].subject == "writing")
        #expect(abs(mtBench.items[0].strongQuality - (9.5 - 1) / 9) < 1e-12, "the mean of its two turns, 1–10 scaled to 0–1")
        #expect(abs(mtBench.items[0].weakQuality - (5 - 1) / 9) < 1e-12)
        #expect(mtBench.items[0].strongAnswer == "Leaves fall\nLeaves fall", "both turns' answers")
    }

    /// A small directory in the shared format.
    static func sampleData() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("routing-eval-\(UUID().uuidString)")
        let write: (String, String) throws -> Void = { path, text in
            let url = directory.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        try write("mmlu/mmlu_algebra.csv", "prompt,weak,strong\n\"What is 2 + 2?\nA. 3\nB. 4\",False,True\n\"Leaked  question\",True,True\n")
        try write("mmlu/mmlu_astronomy.csv", "prompt,weak,strong\nName a planet.,True,True\n")
        try write("mmlu/contaminated_prompts.jsonl", #"{"train_prompt": "x", "eval_prompt": "Leaked question\n"}"# + "\n")
        try write("gsm8k/gsm8k_responses.csv", "prompt,weak,strong,weak_response,strong_response\nAdd 2 and 3.,True,False,It is 5.,It is 6.\n")
        try write("mt_bench/question.jsonl", #"{"question_id": 1, "category": "writing", "turns": ["Write a haiku.", "Now make it rhyme."]}"# + "\n")
        let judgement: (String, Int, Int, String) -> String = { model, turn, score, answer in
            let prompt = turn == 1 ? "[Question]\nWrite a haiku.\n\n[The Start of Assistant's Answer]\n\(answer)\n[The End of Assistant's Answer]"
                : "### User:\nNow make it rhyme.\n\n### Assistant A:\n\(answer)\n\n<|The End of Assistant A's Conversation with User|>"
            let value: JSONValue = ["question_id": 1, "model": .string(model), "turn": .int(Int64(turn)), "score": .int(Int64(score)),
                                    "user_prompt": .string(prompt)]
            return value.jsonText
        }
        try write("mt_bench/judgements.jsonl", [
            judgement("gpt-4-1106-preview", 1, 10, "Leaves fall"), judgement("gpt-4-1106-preview", 2, 9, "Leaves fall"),
            judgement("mixtral", 1, 6, "Autumn"), judgement("mixtral", 2, 4, "Autumn"),
        ].joined(separator: "\n") + "\n")
        return directory
    }

    // MARK: the classifier

    @Test func trainingLearnsWhatSeparatesPromptsThatGainFromTheStrongModelAndIsDeterministic() {
        var samples: [RouterTraining.Sample] = []
        for index in 0..<60 {
            // Repetitive, long problems gain from the strong model; short fresh phrasing does not.
            let problem = "The sum of the sum of the numbers is the sum of the parts of the sum, number \(index) of the sum."
            let chat = "Say hello to my friend number one, nicely please."
            samples.append(.init(features: PromptFeatures(prompt: problem), gain: index % 5 == 0 ? 0 : 1, group: index % 2 == 0 ? "a" : "b"))
            samples.append(.init(features: PromptFeatures(prompt: chat), gain: index % 5 == 0 ? 1 : 0, group: index % 2 == 0 ? "a" : "b"))
        }
        let classifier = RouterTraining().fit(samples, trainedOn: "a test")
        let again = RouterTraining().fit(samples, trainedOn: "a test")
        #expect(classifier == again)
        #expect(classifier.score(PromptFeatures(prompt: "The sum of the sum is the sum of the parts of the sum.")) >
                classifier.score(PromptFeatures(prompt: "Say hello to my friend, please.")))
        #expect(classifier.quantiles.count == 101)
        #expect(classifier.quantiles == classifier.quantiles.sorted())
        #expect(classifier.threshold(premiumShare: 0) == classifier.quantiles[100])
        #expect(classifier.threshold(premiumShare: 1) == classifier.quantiles[0])
        #expect(classifier.threshold(premiumShare: 0.2) >= classifier.threshold(premiumShare: 0.6))
    }

    @Test func featuresAreThoseOfTheReferenceImplementationTheShippedParametersWereChosenWith() {
        // Vectors from the Python reference (features.py) the features were selected with.
        let python = PromptFeatures(prompt: "Write a Python function to sum an array.")
        #expect(python.values == [1, 1, 1, 0, 0])
        #expect(abs(AutoClassifier.shipped.score(python) - 0.232296) < 1e-6)
        let anatomy = PromptFeatures(prompt: """
            A lesion causing compression of the facial nerve at the stylomastoid foramen will cause ipsilateral
            A. paralysis of the facial muscles.
            B. paralysis of the facial muscles and loss of taste.
            C. paralysis of the facial muscles, loss of taste and lacrimation.
            D. paralysis of the facial muscles, loss of taste, lacrimation and decreased salivation.
            Answer:
            """)
        #expect(abs(anatomy.values[0] - 0.464286) < 1e-6)
        #expect(anatomy.values[1...3] == [0, 0, 0])
        #expect(abs(anatomy.values[4] - 3.713572) < 1e-6, "log(1 + 40 pieces on the option lines)")
        #expect(abs(AutoClassifier.shipped.score(anatomy) - 0.238724) < 1e-6)
        // Option lines: "(B) …" and CR LF endings count, a bare "A." and "E." do not; digits make them numeric.
        let options = PromptFeatures(prompt: "Pick one\r\n(A) 12 apples\r\nB) pears\r\nA.\nE. plums\n")
        #expect(options.values[3] == 0.5)
        #expect(abs(options.values[4] - log1p(5)) < 1e-12)
        #expect(PromptFeatures(prompt: "").values == [0, 0, 0, 0, 0])
        #expect(PromptFeatures(prompt: "functions").values[1] == 0, "whole words only")
    }

    @Test func aClassifierFileRoundTripsAndOneMadeForOtherFeaturesIsRefused() throws {
        let shipped = AutoClassifier.shipped
        #expect(try AutoClassifier(json: shipped.json()) == shipped)
        var other = shipped
        other.features[0] = "something_else"
        #expect(throws: RoutingDatasetError.self) { try AutoClassifier(json: other.json()) }
    }

    @Test func theShippedClassifierIsTrainedOnTheThreeDataSetsAndScoresAnyPromptWithinTheGainsRange() {
        let shipped = AutoClassifier.shipped
        #expect(shipped.features == PromptFeatures.names)
        #expect(shipped.trainedOn.contains("mmlu") && shipped.trainedOn.contains("gsm8k") && shipped.trainedOn.contains("mt_bench"))
        for prompt in ["", "Hi", String(repeating: "Prove that √2 is irrational. ", count: 20_000)] {
            let score = shipped.score(PromptFeatures(prompt: prompt))
            #expect(score > -1 && score < 1)
        }
    }

    @Test func aChatRequestIsReadByItsLastUserTurn() {
        let request = ChatRequest(model: "m", messages: [
            ChatMessage(role: .system, content: [.text("You are terse.")]),
            ChatMessage(role: .user, content: [.text("Hello")]),
            ChatMessage(role: .assistant, content: [.text("Hi!")]),
            ChatMessage(role: .user, content: [.text("Compute 12 × 7.")]),
        ], tools: [ToolDefinition(name: "calculator", description: nil, parameters: ["type": "object"])])
        #expect(PromptFeatures(request) == PromptFeatures(prompt: "Compute 12 × 7."))
    }

    // MARK: the policies

    let cheap = RoutingFixtures.model("cheap")
    let premium = RoutingFixtures.model("premium")
    let mid = RoutingFixtures.model("mid")
    let quotes = ["cheap": RoutingFixtures.quote(1, 2), "mid": RoutingFixtures.quote(3, 6), "premium": RoutingFixtures.quote(10, 30)]

    func plan(_ route: RouteDefinition, features: PromptFeatures?) throws -> RoutePlan {
        let planner = RoutePlanner(models: [cheap, mid, premium], routes: [route],
                                   health: RouteHealth(clock: ManualTimeSource(), breakers: .init()))
        var requirements = RouteRequirements(currency: .usd)
        requirements.features = features
        var random = SeededGenerator(seed: 1)
        return try planner.plan(route.name, for: requirements, quote: { quotes[$0.name] }, using: &random)
    }

    @Test func autoPutsTheDearestCandidateFirstAtOrAboveTheThresholdAndLastBelowIt() throws {
        let features = PromptFeatures(prompt: "Prove it.")
        let score = AutoClassifier.shipped.score(features)
        var route = RouteDefinition(name: "auto", policy: .auto, candidates: ["premium", "cheap", "mid"])
        route.threshold = score
        let high = try plan(route, features: features)
        #expect(high.candidates.map(\.name) == ["premium", "cheap", "mid"])
        #expect(high.auto?.goesPremium == true)
        #expect(high.reason.hasPrefix("auto: auto; score "))
        #expect(high.reason.hasSuffix(": premium"))
        route.threshold = min(score + 0.001, 1)
        let low = try plan(route, features: features)
        #expect(low.candidates.map(\.name) == ["cheap", "mid", "premium"])
        #expect(low.reason.hasSuffix(": cheap"))
        // Without a chat form (an embeddings request), cheapest first and no score.
        let unscored = try plan(route, features: nil)
        #expect(unscored.candidates.map(\.name) == ["cheap", "mid", "premium"])
        #expect(unscored.auto == nil)
        #expect(unscored.reason == "auto: auto")
    }

    @Test func aPremiumShareBecomesTheThresholdAtThatQuantileOfTheTrainingScores() {
        var route = RouteDefinition(name: "auto", policy: .auto, candidates: ["premium", "cheap"])
        route.premiumShare = 0.25
        #expect(route.autoThreshold == AutoClassifier.shipped.threshold(premiumShare: 0.25))
        route.premiumShare = nil
        #expect(route.autoThreshold == AutoClassifier.shipped.threshold(premiumShare: 0.3), "the default share")
        route.threshold = 0.9
        #expect(route.autoThreshold == 0.9)
    }

    @Test func theCascadeCheckFailsCutEmptyUnknownToolInvalidJSONAndRefusingAnswersAndPassesTheRest() {
        let answer: ([ContentPart], FinishReason?) -> ChatResponse = { ChatResponse(id: "a", model: "m", content: $0, finishReason: $1, usage: nil) }
        #expect(CascadeCheck.failure(of: answer([.text("Fine.")], .stop), tools: ["search"], jsonRequired: false) == nil)
        #expect(CascadeCheck.failure(of: answer([.text("It was a dark")], .length), tools: ["search"], jsonRequired: false) == "cut off by length")
        #expect(CascadeCheck.failure(of: answer([.text("  ")], .stop), tools: ["search"], jsonRequired: false) == "empty answer")
        #expect(CascadeCheck.failure(of: answer([], .contentFilter), tools: ["search"], jsonRequired: false) == "refused (content filter)")
        #expect(CascadeCheck.failure(of: answer([.toolCall(ToolCall(id: "1", name: "search", arguments: "{\"q\":1}"))], .toolCalls),
                                     tools: ["search"], jsonRequired: false) == nil)
        #expect(CascadeCheck.failure(of: answer([.toolCall(ToolCall(id: "1", name: "browse", arguments: "{}"))], .toolCalls),
                                     tools: ["search"], jsonRequired: false) == "called the unknown tool 'browse'")
        #expect(CascadeCheck.failure(of: answer([.toolCall(ToolCall(id: "1", name: "search", arguments: "{q:"))], .toolCalls),
                                     tools: ["search"], jsonRequired: false) == "gave 'search' arguments that are not a JSON object")
        #expect(CascadeCheck.failure(of: answer([.text("I'm sorry, but I can't help with that.")], .stop), tools: ["search"], jsonRequired: false) == "refused")
        #expect(CascadeCheck.failure(of: answer([.text("I’m unable to do that.")], .stop), tools: ["search"], jsonRequired: false) == "refused")
        #expect(CascadeCheck.failure(of: answer([.text("Sorry for the delay — here is the plan: " + String(repeating: "step. ", count: 80))], .stop),
                                     tools: ["search"], jsonRequired: false) == nil)
        #expect(CascadeCheck.failure(of: answer([.text("colours: red")], .stop), tools: nil, jsonRequired: true)
                    == "invalid JSON where JSON was required")
        #expect(CascadeCheck.failure(of: answer([.text("{\"colours\": [\"red\"]}")], .stop), tools: nil, jsonRequired: true) == nil)
        #expect(CascadeCheck.failure(of: answer([.toolCall(ToolCall(id: "1", name: "any", arguments: "{}"))], .toolCalls), tools: nil,
                                     jsonRequired: false) == nil, "tools unknown: not checked")
    }

    @Test func aStreamsEventsAddUpToTheAnswerTheCascadeChecks() {
        let response = CascadeCheck.answer(of: [
            .start(id: "1", model: "m"), .thinking("Hmm"), .text("Hel"), .text("lo"),
            .toolCallStart(index: 0, id: "c", name: "search"), .toolCallArguments(index: 0, fragment: "{\"q\""),
            .toolCallArguments(index: 0, fragment: ":1}"), .finish(.toolCalls), .end,
        ])
        #expect(response.parts.text == "Hello")
        #expect(response.parts.reasoning == "Hmm")
        #expect(response.parts.toolCalls == [ToolCall(id: "c", name: "search", arguments: "{\"q\":1}")])
        #expect(response.finishReason == .toolCalls)
    }
}
