//! `stackmate create` makes no API call, not even a read, for a template that fails an offline check;
//! the checks that need the cloud come after them.

mod common;

use common::{sim, stackmate};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_template_reaches_no_api() {
    let sim = sim(10).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let cases = [
        // Refused by the parser: no release is needed.
        (
            "dup.json",
            r#"{"Resources": {"G": {"Type": "CloudStack::SecurityGroup"}, "G": {"Type": "CloudStack::SecurityGroup"}}}"#,
            vec![],
        ),
        // Refused by the parameters.
        (
            "param.json",
            r#"{"Parameters": {"P": {"Type": "Number", "MaxValue": "3"}}, "Resources": {"G": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": {"Ref": "P"}}}}}"#,
            vec!["-p", "P=9"],
        ),
        // Refused by the release's participants, which a shipped release gives without a call.
        (
            "prop.json",
            r#"{"Resources": {"G": {"Type": "CloudStack::SecurityGroup", "Properties": {"nmae": "g"}}}}"#,
            vec!["--api-version", "4.17"],
        ),
        (
            "yaml.yaml",
            "Resources:\n  G:\n    Type: CloudStack::SecurityGroup\n    Properties: {name: !Ref Missing}\n",
            vec![],
        ),
        // Refused as text: a byte order mark.
        (
            "bom.json",
            "\u{feff}{\"Resources\": {\"G\": {\"Type\": \"CloudStack::SecurityGroup\"}}}",
            vec![],
        ),
    ];
    let mut files: Vec<(String, Vec<u8>, Vec<&str>)> = cases
        .iter()
        .map(|(f, t, a)| (f.to_string(), t.as_bytes().to_vec(), a.clone()))
        .collect();
    // And text that is not UTF-8.
    files.push((
        "latin1.json".into(),
        b"{\"Resources\": {\"G\xe9\": {\"Type\": \"x\"}}}".to_vec(),
        vec![],
    ));
    for (i, (file, text, args)) in files.iter().enumerate() {
        let t = dir.path().join(file);
        std::fs::write(&t, text).expect("write");
        let state = dir.path().join(format!("state-{i}"));
        let out = stackmate(&sim.url, &state)
            .args(args)
            .args(["create", "s"])
            .arg(&t)
            .output()
            .expect("runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{file}: {err}");
        assert_eq!(sim.handle.total_calls(), 0, "{file}: {:?}", sim.handle.call_counts());
    }
}
