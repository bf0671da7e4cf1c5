//! Hostile plugins and bad uploads: each ends in the right typed error within its limit, and the
//! runtime keeps serving.

mod support;

use std::sync::Arc;
use std::time::Duration;

use support::{Peer, Reply};
use wasmdesk_host::domain::{Action, Event};
use wasmdesk_host::plugins::{
    CompiledPlugin, Evaluation, Installation, Limits, LoadError, Origin, Outcome, PluginError,
    Runtime, RuntimeConfig,
};

fn runtime_with(limits: Limits) -> Runtime {
    Runtime::new(RuntimeConfig {
        limits,
        cache_dir: None,
    })
    .unwrap()
}

fn event() -> Event {
    serde_json::from_value(serde_json::json!({"kind": "created"})).unwrap()
}

struct Harness {
    runtime: Runtime,
    hostile: CompiledPlugin,
    vip: CompiledPlugin,
}

impl Harness {
    fn new(limits: Limits) -> Harness {
        let runtime = runtime_with(limits);
        let hostile = runtime.load(&support::hostile_wasm()).unwrap();
        let vip = runtime.load(support::bundled("retail-vip")).unwrap();
        Harness {
            runtime,
            hostile,
            vip,
        }
    }

    fn run(&self, trigger: &str, installation: &Arc<Installation>) -> Evaluation {
        let evaluation = self
            .runtime
            .evaluate(&self.hostile, installation, trigger, &event());
        self.assert_still_serving();
        evaluation
    }

    fn run_plain(&self, trigger: &str) -> Evaluation {
        self.run(trigger, &Installation::new(self.hostile.info(), [], vec![]))
    }

    /// After any misbehaviour the next call on the same runtime works.
    fn assert_still_serving(&self) {
        let installation = Installation::new(self.vip.info(), [], vec![]);
        let mut platinum = event();
        platinum.requester.fields.insert(
            "service_level".into(),
            wasmdesk_host::domain::FieldValue::Option("platinum".into()),
        );
        let next = self
            .runtime
            .evaluate(&self.vip, &installation, "vip-escalation", &platinum);
        assert!(
            matches!(next.outcome, Outcome::Matched(_)),
            "runtime stopped serving: {:?}",
            next.outcome
        );
        let benign = self.runtime.evaluate(
            &self.hostile,
            &Installation::new(self.hostile.info(), [], vec![]),
            "well-behaved",
            &event(),
        );
        assert_eq!(
            benign.outcome,
            Outcome::Matched(vec![Action::AddTags(vec!["well-behaved".into()])])
        );
    }
}

fn failure(evaluation: &Evaluation) -> &PluginError {
    match &evaluation.outcome {
        Outcome::Failed(error) => error,
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[test]
fn infinite_loop_runs_out_of_fuel() {
    let harness = Harness::new(Limits {
        fuel: 5_000_000,
        ..Limits::default()
    });
    let evaluation = harness.run_plain("infinite-loop");
    assert_eq!(
        failure(&evaluation),
        &PluginError::OutOfFuel { limit: 5_000_000 }
    );
    assert!(evaluation.fuel_used >= 5_000_000);
}

#[test]
fn infinite_loop_with_unlimited_fuel_hits_the_deadline() {
    let deadline = Duration::from_millis(150);
    let harness = Harness::new(Limits {
        fuel: u64::MAX / 4,
        deadline,
        ..Limits::default()
    });
    let evaluation = harness.run_plain("infinite-loop");
    assert_eq!(
        failure(&evaluation),
        &PluginError::Deadline { limit_ms: 150 }
    );
    assert!(
        evaluation.elapsed >= deadline,
        "stopped early: {:?}",
        evaluation.elapsed
    );
    assert!(
        evaluation.elapsed < deadline * 4,
        "stopped late: {:?}",
        evaluation.elapsed
    );
}

#[test]
fn memory_grower_hits_the_memory_limit() {
    let harness = Harness::new(Limits {
        memory_bytes: 16 << 20,
        ..Limits::default()
    });
    let evaluation = harness.run_plain("memory-grower");
    assert_eq!(
        failure(&evaluation),
        &PluginError::MemoryLimit {
            limit_bytes: 16 << 20
        }
    );
}

#[test]
fn deep_recursion_overflows_the_stack() {
    let harness = Harness::new(Limits::default());
    let evaluation = harness.run_plain("deep-recursion");
    assert!(
        matches!(failure(&evaluation), PluginError::StackOverflow { .. }),
        "{:?}",
        evaluation.outcome
    );
}

#[test]
fn huge_result_is_refused() {
    let harness = Harness::new(Limits::default());
    let evaluation = harness.run_plain("huge-result");
    let PluginError::OutputTooLarge { size, limit } = failure(&evaluation) else {
        panic!("expected OutputTooLarge, got {:?}", evaluation.outcome);
    };
    assert!(size > limit);
}

#[test]
fn panic_is_a_trap_with_the_panic_message() {
    let harness = Harness::new(Limits::default());
    let evaluation = harness.run_plain("panic");
    let PluginError::Trap { message } = failure(&evaluation) else {
        panic!("expected a trap, got {:?}", evaluation.outcome);
    };
    assert!(
        message.contains("boom from the hostile plugin"),
        "{message}"
    );
    assert_eq!(
        message.matches("wasm trap").count(),
        1,
        "said once: {message}"
    );
}

#[test]
fn chatter_is_captured_up_to_the_log_limit() {
    let harness = Harness::new(Limits {
        log_bytes: 1024,
        ..Limits::default()
    });
    let evaluation = harness.run_plain("chatter");
    assert!(
        matches!(evaluation.outcome, Outcome::Matched(_)),
        "{:?}",
        evaluation.outcome
    );
    let kept: usize = evaluation.logs.iter().map(|line| line.message.len()).sum();
    assert!(kept <= 1024);
    assert!(
        evaluation.logs[0]
            .message
            .starts_with("line 0 of a very chatty plugin")
    );
    assert!(evaluation.logs_dropped_bytes > 100_000);
}

#[test]
fn wasi_gives_no_environment_files_sockets_or_clock() {
    let harness = Harness::new(Limits::default());
    let evaluation = harness.run_plain("ambient");
    assert!(
        matches!(evaluation.outcome, Outcome::Matched(_)),
        "{:?}",
        evaluation.outcome
    );
}

impl Harness {
    /// Runs the hostile plugin's `http-get` trigger on `url` with the origins of `granted` peers.
    fn http_get(&self, url: &str, granted: &[&Peer]) -> Evaluation {
        self.run("http-get", &http_installation(self, url, granted))
    }
}

fn http_installation(harness: &Harness, url: &str, granted: &[&Peer]) -> Arc<Installation> {
    let origins: Vec<Origin> = granted
        .iter()
        .map(|peer| peer.origin.parse().unwrap())
        .collect();
    Installation::new(
        harness.hostile.info(),
        [("url".to_string(), url.to_string())],
        origins,
    )
}

#[test]
fn http_get_reaches_a_granted_host() {
    let peer = Peer::start(|path| {
        if path == "/tier" {
            Reply::ok("gold")
        } else {
            Reply::redirect("/tier")
        }
    });
    let harness = Harness::new(Limits::default());
    let direct = harness.http_get(&peer.url("/tier"), &[&peer]);
    assert!(
        matches!(direct.outcome, Outcome::Matched(_)),
        "{:?}",
        direct.outcome
    );
    let redirected_home = harness.http_get(&peer.url("/start"), &[&peer]);
    assert!(
        matches!(redirected_home.outcome, Outcome::Matched(_)),
        "{:?}",
        redirected_home.outcome
    );
}

#[test]
fn http_get_to_a_host_not_granted_is_denied() {
    let peer = Peer::start(|_| Reply::ok("gold"));
    let harness = Harness::new(Limits::default());
    let evaluation = harness.http_get(&peer.url("/tier"), &[]);
    let PluginError::CapabilityDenied { reason } = failure(&evaluation) else {
        panic!("expected CapabilityDenied, got {:?}", evaluation.outcome);
    };
    assert!(reason.contains("is not granted"), "{reason}");
}

#[test]
fn http_get_redirect_to_another_host_is_denied() {
    let elsewhere = Peer::start(|_| Reply::ok("gold"));
    let target = elsewhere.url("/tier");
    let granted = Peer::start(move |_| Reply::redirect(&target));
    let harness = Harness::new(Limits::default());
    let evaluation = harness.http_get(&granted.url("/"), &[&granted]);
    let PluginError::CapabilityDenied { reason } = failure(&evaluation) else {
        panic!("expected CapabilityDenied, got {:?}", evaluation.outcome);
    };
    assert!(reason.contains("redirected to"), "{reason}");
}

#[test]
fn http_get_to_a_slow_granted_host_times_out() {
    let peer = Peer::start(|_| Reply::slow(Duration::from_secs(5)));
    let http_timeout = Duration::from_millis(200);
    let harness = Harness::new(Limits {
        http_timeout,
        ..Limits::default()
    });
    let evaluation = harness.http_get(&peer.url("/tier"), &[&peer]);
    let PluginError::Rejected { message } = failure(&evaluation) else {
        panic!(
            "the plugin should see a timeout and report it, got {:?}",
            evaluation.outcome
        );
    };
    assert_eq!(message, "HttpError::Timeout");
    assert!(
        evaluation.elapsed < Duration::from_secs(2),
        "took {:?}",
        evaluation.elapsed
    );
}

#[test]
fn unknown_trigger_is_an_error_not_a_panic() {
    let harness = Harness::new(Limits::default());
    let evaluation = harness.run_plain("no-such-trigger");
    assert_eq!(
        failure(&evaluation),
        &PluginError::UnknownTrigger {
            trigger: "no-such-trigger".into()
        }
    );
}

#[test]
fn a_core_module_is_refused() {
    let runtime = runtime_with(Limits::default());
    let module = wat::parse_str("(module (func (export \"matches\")))").unwrap();
    let error = runtime.load(&module).err().unwrap();
    assert_eq!(error, LoadError::CoreModule);
    assert!(error.to_string().contains("wasm32-wasip2"), "{error}");
}

#[test]
fn random_bytes_are_refused() {
    let runtime = runtime_with(Limits::default());
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    assert_eq!(runtime.load(&garbage).err().unwrap(), LoadError::NotWasm);
    let mut truncated = support::hostile_wasm();
    truncated.truncate(truncated.len() / 2);
    assert!(matches!(
        runtime.load(&truncated).err().unwrap(),
        LoadError::Malformed(_)
    ));
}

#[test]
fn a_component_of_another_world_is_refused() {
    let runtime = runtime_with(Limits::default());
    let error = runtime.load(&support::other_world_wasm()).err().unwrap();
    let LoadError::MissingExport { expected, found } = &error else {
        panic!("expected MissingExport, got {error:?}");
    };
    assert_eq!(
        expected,
        "wasmdesk:rules/triggers@0.3.0 or wasmdesk:rules/triggers@0.2.0 or wasmdesk:rules/triggers@0.1.0"
    );
    assert!(found.contains("other:greeter/greet@1.0.0"), "{found}");
}

#[test]
fn a_component_built_against_another_contract_version_is_refused() {
    let runtime = runtime_with(Limits::default());
    let component = wat::parse_str(
        r#"(component
             (instance $triggers)
             (export "wasmdesk:rules/triggers@0.9.0" (instance $triggers)))"#,
    )
    .unwrap();
    let error = runtime.load(&component).err().unwrap();
    assert_eq!(
        error,
        LoadError::WrongVersion {
            found: "wasmdesk:rules/triggers@0.9.0".into(),
            supported: "wasmdesk:rules/triggers@0.3.0 or wasmdesk:rules/triggers@0.2.0 or wasmdesk:rules/triggers@0.1.0".into()
        }
    );
}

#[test]
fn an_oversized_component_is_refused_before_parsing() {
    let runtime = runtime_with(Limits {
        component_bytes: 1000,
        ..Limits::default()
    });
    let error = runtime.load(support::bundled("retail-vip")).err().unwrap();
    assert!(
        matches!(error, LoadError::TooLarge { limit: 1000, .. }),
        "{error:?}"
    );
}

#[test]
fn compiled_components_are_cached_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let config = || RuntimeConfig {
        limits: Limits::default(),
        cache_dir: Some(dir.path().to_path_buf()),
    };
    let first = Runtime::new(config())
        .unwrap()
        .load(support::bundled("retail-vip"))
        .unwrap();
    let cached: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(cached.len(), 1);
    assert!(
        cached[0]
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with(first.content_hash())
    );

    // A restart loads the artifact; a damaged one is discarded and rebuilt, never trusted.
    let again = Runtime::new(config())
        .unwrap()
        .load(support::bundled("retail-vip"))
        .unwrap();
    assert_eq!(again.content_hash(), first.content_hash());
    std::fs::write(&cached[0], b"not an artifact").unwrap();
    let runtime = Runtime::new(config()).unwrap();
    let rebuilt = runtime.load(support::bundled("retail-vip")).unwrap();
    let installation = Installation::new(rebuilt.info(), [], vec![]);
    let evaluation = runtime.evaluate(&rebuilt, &installation, "vip-escalation", &event());
    assert_eq!(evaluation.outcome, Outcome::NotMatched);
    assert!(std::fs::metadata(&cached[0]).unwrap().len() > 1000);
}

#[test]
fn http_get_response_over_the_size_limit_is_refused() {
    let peer = Peer::start(|_| Reply::ok(&"gold ".repeat(100_000)));
    let harness = Harness::new(Limits {
        http_response_bytes: 64 << 10,
        ..Limits::default()
    });
    let evaluation = harness.http_get(&peer.url("/tier"), &[&peer]);
    let PluginError::Rejected { message } = failure(&evaluation) else {
        panic!(
            "the plugin should see the response refused, got {:?}",
            evaluation.outcome
        );
    };
    assert_eq!(message, "HttpError::TooLarge");
}
