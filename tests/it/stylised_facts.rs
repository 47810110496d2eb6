//! The bundled baseline must reproduce what the record says happened (issues 4 and 12). Each
//! fact is checked on means over replicates, with the tolerance stated next to it.
//!
//! Population 20 000, 4 replicates: a share's standard error over agents is at most
//! sqrt(0.25 / 80 000) ~ 0.002, so the margins below (0.005 and up) are not luck.

use crate::common;

use blockade::results::Results;
use blockade::runner;
use blockade::scenario::{Overrides, Scenario};
use std::sync::atomic::AtomicBool;

struct Run {
    scenario: Scenario,
    results: Results,
}

impl Run {
    fn new() -> Run {
        let overrides = Overrides {
            population: Some(20_000),
            replicates: Some(4),
            ..Overrides::default()
        };
        let scenario = Scenario::load(&common::bundled("openai-api-block-2024.toml"), &overrides)
            .expect("valid");
        let arms = scenario
            .arms(&[
                "no-block".to_owned(),
                "azure-also-blocked".to_owned(),
                "vpn-crackdown".to_owned(),
            ])
            .expect("arms");
        let results = runner::run(&scenario, &arms, &AtomicBool::new(false), &|_| {}).expect("run");
        Run { scenario, results }
    }

    fn state(&self, id: &str) -> usize {
        self.scenario
            .states()
            .iter()
            .position(|s| *s == id)
            .expect("state")
    }

    fn segment(&self, name: &str) -> usize {
        self.scenario
            .segments
            .iter()
            .position(|s| s.name == name)
            .expect("segment")
    }

    fn event_step(&self, name: &str) -> u32 {
        self.scenario
            .events
            .iter()
            .find(|e| e.name == name)
            .expect("event")
            .step
    }

    /// Mean over replicates of the share of `states` among the agents of `segments`.
    fn share(&self, arm: usize, step: u32, segments: &[usize], states: &[usize]) -> f64 {
        let r = &self.results;
        let replicates = r.shape().replicates();
        let total: f64 = (0..replicates)
            .map(|rep| {
                let k = arm * replicates as usize + rep as usize;
                let agents: u32 = segments.iter().map(|&s| r.segment_agents(arm)[s]).sum();
                let count: u32 = segments
                    .iter()
                    .flat_map(|&s| states.iter().map(move |&st| (s, st)))
                    .map(|(s, st)| r.count(k, step, s, st))
                    .sum();
                f64::from(count) / f64::from(agents)
            })
            .sum();
        total / f64::from(replicates)
    }

    /// Mean over replicates of the share of the population's usage held by `states`.
    fn usage_share(&self, arm: usize, step: u32, states: &[usize]) -> f64 {
        let replicates = self.results.shape().replicates();
        let all = self.scenario.segments.len();
        let total: f64 = (0..replicates)
            .map(|rep| {
                self.results
                    .usage_share(arm, rep, step, all, |state| states.contains(&state))
            })
            .sum();
        total / f64::from(replicates)
    }

    fn step_of(&self, (year, month, day): (i32, u32, u32)) -> u32 {
        self.scenario
            .calendar
            .step_on_or_after(chrono::NaiveDate::from_ymd_opt(year, month, day).expect("date"))
            .expect("in horizon")
    }

    fn all_segments(&self) -> Vec<usize> {
        (0..self.scenario.segments.len()).collect()
    }

    fn domestic(&self) -> Vec<usize> {
        self.scenario
            .providers
            .iter()
            .enumerate()
            .filter(|(_, p)| p.origin.as_deref() == Some("cn"))
            .map(|(j, _)| 2 + j)
            .collect()
    }
}

#[test]
fn the_baseline_reproduces_the_stylised_facts() {
    let run = Run::new();
    let all = run.all_segments();
    let block = run.event_step("openai-api-block");
    let openai = [run.state("openai_vpn")];
    let azure = [run.state("azure_openai")];
    let domestic = run.domestic();
    assert!(domestic.len() >= 5, "the facts need the domestic providers");
    let (baseline, no_block) = (0, 1);

    // 1. After the block OpenAI-via-VPN loses share and domestic models gain it: over the
    //    quarter after the block, by at least 0.5 and 5 points.
    let quarter_later = block + 13;
    let openai_before = run.share(baseline, block - 1, &all, &openai);
    let openai_after = run.share(baseline, quarter_later, &all, &openai);
    assert!(
        openai_after < openai_before - 0.005,
        "OpenAI via VPN {openai_before:.4} -> {openai_after:.4}"
    );
    let domestic_before = run.share(baseline, block - 1, &all, &domestic);
    let domestic_after = run.share(baseline, quarter_later, &all, &domestic);
    assert!(
        domestic_after > domestic_before + 0.05,
        "domestic {domestic_before:.3} -> {domestic_after:.3}"
    );

    // 2. Without the block more developers stay on OpenAI: at the end by at least 1 point.
    let end = run.scenario.calendar.steps();
    let kept = run.share(no_block, end, &all, &openai) - run.share(baseline, end, &all, &openai);
    assert!(kept > 0.01, "no-block keeps only {kept:.4} more on OpenAI");

    // 3. The block spared Azure's enterprise route: in the half year after the block, Azure's
    //    share is never lower with the block than without it (tolerance 0.1 point).
    for step in block..=block + 26 {
        let with = run.share(baseline, step, &all, &azure);
        let without = run.share(no_block, step, &all, &azure);
        assert!(
            with >= without - 0.001,
            "step {step}: Azure {with:.4} with the block, {without:.4} without"
        );
    }

    // 4. Kling serves video in Chinese only, so in every segment its users are at most the
    //    agents with a video task and a Chinese language (tolerance: five standard errors of
    //    that fraction over the segment's agents and replicates).
    let kling = run.state("kling");
    let video = run
        .scenario
        .tasks
        .iter()
        .position(|t| t == "video")
        .expect("video");
    let chinese: Vec<usize> = ["mandarin", "cantonese"]
        .iter()
        .filter_map(|l| run.scenario.languages.iter().position(|x| x == l))
        .collect();
    let kling_params = &run.scenario.baseline.params.providers[kling - 2];
    for (task, quality) in kling_params.quality.iter().enumerate() {
        assert_eq!(quality.is_some(), task == video, "Kling serves task {task}");
    }
    for (language, fit) in kling_params.fit.iter().enumerate() {
        assert_eq!(
            fit.is_some(),
            chinese.contains(&language),
            "Kling serves language {language}"
        );
    }
    for (s, setup) in run.scenario.baseline.segments.iter().enumerate() {
        let eligible =
            setup.tasks[video] * chinese.iter().map(|&l| setup.languages[l]).sum::<f64>();
        let n = f64::from(setup.agents) * f64::from(run.results.shape().replicates());
        let tolerance = 5.0 * (eligible * (1.0 - eligible) / n).sqrt();
        for step in 0..=end {
            let share = run.share(baseline, step, &[s], &[kling]);
            assert!(
                share <= eligible + tolerance,
                "segment {s} step {step}: Kling {share:.4} > {eligible:.4}"
            );
        }
    }

    // 5. The Stack Overflow Developer Survey 2024 (fielded from late May to June 2024) found
    //    62% of developers using AI tools: on 2024-06-10 the share of all developers on a
    //    provider or unserved (adopted) is 62% +- 8 points, for the survey's reading (a
    //    worldwide sample, tools rather than APIs) more than its sampling error. The SAS/Coleman
    //    Parkes survey (2024-07-09) found 83% of Chinese firms with >= 500 staff testing or
    //    using generative AI; a firm counts when one of its teams does, so the share of the
    //    large-firm segments' developers on a provider is at most that (5 points of slack for
    //    the survey's sampling error).
    let not_adopted = [run.state("not_adopted")];
    let survey = run.step_of((2024, 6, 10));
    let adopted = 1.0 - run.share(baseline, survey, &all, &not_adopted);
    assert!(
        (adopted - 0.62).abs() < 0.08,
        "developers adopted at the Stack Overflow survey: {adopted:.3}"
    );
    let sas = run.step_of((2024, 7, 9));
    let large = [run.segment("enterprise"), run.segment("soe")];
    let providers: Vec<usize> = (2..2 + run.scenario.providers.len()).collect();
    let using = run.share(baseline, sas, &large, &providers);
    assert!(
        using < 0.83 + 0.05,
        "large firms' developers using a provider at the SAS survey: {using:.3}"
    );

    // 6. Not everyone adopts: in every segment the agents outside its market potential stay
    //    `not_adopted` to the end, so its last-step `not_adopted` share is at least
    //    1 - potential (less five standard errors of that fraction over the segment's agents
    //    and replicates); and over all developers at least 10% never adopt.
    for (s, setup) in run.scenario.baseline.segments.iter().enumerate() {
        let outside = 1.0 - run.scenario.baseline.params.segments[s].potential;
        let n = f64::from(setup.agents) * f64::from(run.results.shape().replicates());
        let tolerance = 5.0 * (outside * (1.0 - outside) / n).sqrt();
        let never = run.share(baseline, end, &[s], &not_adopted);
        assert!(
            outside > 0.0 && never >= outside - tolerance,
            "segment {s}: {never:.4} never adopt, {outside:.4} outside the potential"
        );
    }
    let never = run.share(baseline, end, &all, &not_adopted);
    assert!(never > 0.10, "only {never:.3} never adopt");

    // 7. Usage shares are not developer shares: large firms' developers use models far more
    //    than students and adopt more often, so the never-adopting share of usage is at least
    //    3 points below that of developers, and Azure's share of usage (a large-firm route) is
    //    at least 1.3 times its share of developers. Both margins are many times the noise of
    //    a usage share over 4 x 20 000 log-normal weights (sigma <= 1.3: well under a point).
    let usage_never = run.usage_share(baseline, end, &not_adopted);
    assert!(
        usage_never < never - 0.03,
        "never adopting: {never:.3} of developers, {usage_never:.3} of usage"
    );
    let azure_agents = run.share(baseline, end, &all, &azure);
    let azure_usage = run.usage_share(baseline, end, &azure);
    assert!(
        azure_usage > 1.3 * azure_agents,
        "Azure: {azure_agents:.4} of developers, {azure_usage:.4} of usage"
    );

    // 8. A policy can strand developers: work that needs the frontier model has only foreign
    //    routes (and open weights on one's own GPUs) until DeepSeek-R1 (2025-01-20). On
    //    2025-01-13 a VPN crackdown leaves at least 0.5 point more of all developers
    //    unserved, and closing Azure at least 0.1 point more (paired means over 4 x 20 000
    //    agents: a point is dozens of standard errors of such a difference). After R1 a
    //    domestic API serves that work, and by the end the crackdown strands nobody more
    //    (within 0.1 point).
    let (azure_blocked, crackdown) = (2, 3);
    let unserved = [run.state("unserved")];
    let before_r1 = run.step_of((2025, 1, 13));
    let stranded = |arm: usize, step: u32| {
        run.share(arm, step, &all, &unserved) - run.share(baseline, step, &all, &unserved)
    };
    let by_crackdown = stranded(crackdown, before_r1);
    assert!(
        by_crackdown > 0.005,
        "VPN crackdown strands {by_crackdown:.4}"
    );
    let by_azure = stranded(azure_blocked, before_r1);
    assert!(by_azure > 0.001, "Azure closure strands {by_azure:.4}");
    let after = stranded(crackdown, end);
    assert!(after.abs() < 0.001, "VPN crackdown at the end: {after:.4}");
}

/// `blockade check` puts each provider's and each event's evidence next to it, so that a
/// reviewer sees the sources without opening the file; the bundled policy scenarios carry a
/// source on every provider, segment and event.
#[test]
fn check_shows_the_source_of_every_provider_and_event() {
    let file = common::bundled("openai-api-block-2024.toml");
    let scenario = Scenario::load(&file, &Overrides::default()).expect("valid");
    let output = common::blockade()
        .arg("check")
        .arg(&file)
        .output()
        .expect("runs");
    assert!(output.status.success());
    let printed = String::from_utf8(output.stdout).expect("UTF-8");
    // Each provider's block runs from its line to the next provider's (or the events).
    let starts: Vec<usize> = scenario
        .providers
        .iter()
        .map(|p| {
            printed
                .find(&format!("  {:<14} ", p.id))
                .expect("provider listed")
        })
        .chain([printed.find("events, by date").expect("events listed")])
        .collect();
    for (i, provider) in scenario.providers.iter().enumerate() {
        let source = provider
            .source
            .as_deref()
            .expect("every provider has a source");
        assert!(provider.origin.is_some(), "{} has no origin", provider.id);
        let block = &printed[starts[i]..starts[i + 1]];
        assert!(
            block.contains(source),
            "{}: source not printed with it",
            provider.id
        );
    }
    for segment in &scenario.segments {
        assert!(
            segment.source.is_some(),
            "segment {} has no source",
            segment.name
        );
    }
    for event in &scenario.events {
        let source = event.source.as_deref().expect("every event has a source");
        let at = printed.find(&event.name).expect("event listed");
        assert!(
            printed[at..].contains(source),
            "{}: source not printed after it",
            event.name
        );
    }
}
