//! NoEcho values as a user meets them: `****` where a secret was, the same in every command, and a
//! prompt that does not show what is typed.

mod common;

use common::{on_a_terminal, run, sim, stackmate, write};

/// A group whose description carries the password, and an output that holds it inside a URL.
fn template(default: bool) -> String {
    let default = if default {
        r#", "Default": "unused-default""#
    } else {
        ""
    };
    format!(
        r#"{{
  "Parameters": {{"DbPass": {{"Type": "String", "NoEcho": "true"{default}}}}},
  "Resources": {{"Db": {{"Type": "CloudStack::SecurityGroup", "Properties": {{"name": "db"}}}}}},
  "Outputs": {{"Url": {{"Value": {{"Fn::Join": ["", ["mysql://app:", {{"Ref": "DbPass"}}, "@", {{"Ref": "Db"}}]]}}}}}}
}}"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_inside_an_output_is_masked_the_same_way_everywhere() {
    let sim = sim(20).await;
    let dir = tempfile::tempdir().expect("tmp");
    let state = dir.path().join("state");
    let t = write(dir.path(), "db.json", &template(false));
    let (code, created, err) = run(stackmate(&sim.url, &state)
        .args(["create", "db"])
        .arg(&t)
        .args(["-p", "DbPass=s3cret-Marker"]));
    assert_eq!(code, 0, "{err}");
    let (code, outputs, err) = run(stackmate(&sim.url, &state).args(["outputs", "db"]));
    assert_eq!(code, 0, "{err}");
    let (_, json, _) = run(stackmate(&sim.url, &state).args(["outputs", "db", "-o", "json"]));
    for (what, text) in [("create", &created), ("outputs", &outputs), ("outputs -o json", &json)] {
        assert!(!text.contains("s3cret-Marker"), "{what}: {text}");
        assert!(
            text.contains("mysql://app:****@"),
            "{what} masks where the secret was: {text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_noecho_prompt_does_not_show_what_is_typed() {
    let sim = sim(20).await;
    let dir = tempfile::tempdir().expect("tmp");
    let state = dir.path().join("state");
    let t = write(dir.path(), "db.json", &template(false));
    let mut cmd = stackmate(&sim.url, &state);
    cmd.args(["create", "typed"]).arg(&t);
    let (code, seen) = on_a_terminal(&cmd, "NoEcho", "Typed-Marker-77");
    assert_eq!(code, 0, "{seen}");
    assert!(seen.contains("DbPass (NoEcho"), "it asked: {seen}");
    assert!(!seen.contains("Typed-Marker-77"), "the answer was echoed: {seen}");
    // The value was taken: the output is there, masked.
    let (_, outputs, _) = run(stackmate(&sim.url, &state).args(["outputs", "typed"]));
    assert!(outputs.contains("mysql://app:****@"), "{outputs}");
}
