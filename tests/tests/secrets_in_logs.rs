//! A full call at TRACE level: the secret key, the signature and sensitive parameter values appear in
//! no log line and in no Debug output.

use std::io::Write;
use std::sync::{Arc, Mutex};

use cloudstack_api::v4_17::{AddVpnUser, CreateUser};
use cloudstack_client::Client;
use integration_tests::fake_cloud::{FakeCloud, API_KEY};
use serde_json::json;

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

const SECRET: &str = "TopSecretKeyValue-0123456789";
const PASSWORD: &str = "Pa55word-never-logged";

#[tokio::test]
async fn secrets_never_reach_logs_or_debug_output() {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let signatures = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&signatures);
    let cloud = FakeCloud::start(SECRET, move |call| {
        if let Some(s) = call.param("signature") {
            seen.lock().expect("lock").push(s.to_string());
        }
        match call.command.as_str() {
            "createUser" => (
                200,
                json!({"createuserresponse": {"user": {"id": "u1", "username": "alice"}}}).to_string(),
            ),
            "addVpnUser" => (
                200,
                json!({"addvpnuserresponse": {"jobid": "j1", "id": "v1"}}).to_string(),
            ),
            "queryAsyncJobResult" => (
                200,
                json!({"queryasyncjobresultresponse": {"jobid": "j1", "jobstatus": 1,
                "jobresult": {"vpnuser": {"id": "v1", "username": "bob"}}}})
                .to_string(),
            ),
            _ => (530, "{}".into()),
        }
    })
    .await;
    let client = Client::builder(&cloud.url)
        .credentials(API_KEY, SECRET)
        .build()
        .expect("client");
    let user = CreateUser::new("acct", "a@example.com", "Alice", "Liddell", PASSWORD, "alice");
    client.execute(&user).await.expect("createUser");
    let vpn = AddVpnUser::new(PASSWORD, "bob");
    client.execute(&vpn).await.expect("addVpnUser");
    let wrong = Client::builder(&cloud.url)
        .credentials(API_KEY, "wrong-secret-xyz")
        .build()
        .expect("client");
    let _ = wrong.execute(&user).await.expect_err("401");

    let logs = String::from_utf8(buffer.0.lock().expect("lock").clone()).expect("utf8");
    assert!(
        logs.contains("createUser") && logs.contains("reply"),
        "the call was logged:\n{logs}"
    );
    let debug = format!("{client:?} {wrong:?} {user:?} {vpn:?}");
    let signatures = signatures.lock().expect("lock").clone();
    assert!(
        signatures.len() >= 3,
        "createUser, addVpnUser and the job poll were signed"
    );
    for secret in [SECRET, "wrong-secret-xyz", PASSWORD] {
        assert!(!logs.contains(secret), "{secret} leaked into logs");
        assert!(!debug.contains(secret), "{secret} leaked into Debug: {debug}");
    }
    for sig in &signatures {
        assert!(!logs.contains(sig.as_str()), "a signature leaked into logs");
    }
}
