//! The async client against a local fake CloudStack endpoint that checks signatures and answers with
//! real response shapes.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use cloudstack_api::v4_17::{CreateSecurityGroup, DeployVirtualMachine, ListVirtualMachines, ListZones};
use cloudstack_client::signing::SignatureVersion;
use cloudstack_client::{Client, Error, JobPolicy, JobWatcher, RetryPolicy, WatchMode};
use futures_util::StreamExt;
use integration_tests::fake_cloud::{Call, FakeCloud, API_KEY};
use serde_json::json;

const SECRET: &str = "fake-secret/with+special=chars~";
const ID: &str = "6a1f3b2c-0d4e-4f5a-8b9c-0d1e2f3a4b5c";

fn client(url: &str) -> Client {
    Client::builder(url)
        .credentials(API_KEY, SECRET)
        .job_policy(JobPolicy {
            start: Duration::from_millis(5),
            factor: 2.0,
            cap: Duration::from_millis(20),
            timeout: Duration::from_secs(5),
        })
        .retry_policy(RetryPolicy {
            attempts: 3,
            base: Duration::from_millis(5),
            cap: Duration::from_millis(20),
        })
        .build()
        .expect("client")
}

fn ok(body: serde_json::Value) -> (u16, String) {
    (200, body.to_string())
}

fn zones(call: &Call) -> (u16, String) {
    match call.command.as_str() {
        "listZones" => ok(json!({"listzonesresponse": {"count": 1, "zone": [
            {"id": ID, "name": "Sandbox-simulator", "networktype": "Advanced", "securitygroupsenabled": "false"}]}})),
        other => (432, json!({"errorresponse": {"uuidList": [], "errorcode": 432, "errortext": format!("Unknown API command: {other}")}}).to_string()),
    }
}

#[tokio::test]
async fn sync_list_signed_with_v3_by_get() {
    let cloud = FakeCloud::start(SECRET, zones).await;
    let c = client(&cloud.url);
    let list = c.execute(&ListZones::new().available(true)).await.expect("listZones");
    assert_eq!(list.count, Some(1));
    assert_eq!(list.items[0].name.as_deref(), Some("Sandbox-simulator"));
    assert_eq!(list.items[0].securitygroupsenabled, Some(false));
    let call = &cloud.calls()[0];
    assert_eq!(call.method, "GET");
    assert_eq!(call.param("signatureVersion"), Some("3"));
    assert!(call.param("expires").is_some_and(|e| e.ends_with("+0000")));
    assert_eq!(call.param("response"), Some("json"));
}

#[tokio::test]
async fn signature_v2_and_wrong_secret() {
    let cloud = FakeCloud::start(SECRET, zones).await;
    let v2 = Client::builder(&cloud.url)
        .credentials(API_KEY, SECRET)
        .signature_version(SignatureVersion::V2)
        .build()
        .expect("client");
    v2.execute(&ListZones::new()).await.expect("v2 accepted");
    assert_eq!(cloud.calls()[0].param("signatureVersion"), None);
    let wrong = Client::builder(&cloud.url)
        .credentials(API_KEY, "nope")
        .build()
        .expect("client");
    match wrong.execute(&ListZones::new()).await {
        Err(Error::Unauthorized { api, errortext }) => {
            assert_eq!(api, "listZones");
            assert!(errortext.contains("unable to verify"));
        }
        other => panic!("expected 401, got {other:?}"),
    }
}

#[tokio::test]
async fn sync_object_wrapped_and_posted() {
    let cloud = FakeCloud::start(SECRET, |call| match call.command.as_str() {
        "createSecurityGroup" => ok(json!({"createsecuritygroupresponse": {"securitygroup": {
            "id": ID, "name": call.param("name").unwrap_or_default(), "ingressrule": [], "egressrule": [], "tags": []}}})),
        _ => (530, "{}".into()),
    })
    .await;
    let c = client(&cloud.url);
    let sg = c.execute(&CreateSecurityGroup::new("web a~b")).await.expect("created");
    assert_eq!(
        sg.name.as_deref(),
        Some("web a~b"),
        "value with space and ~ signed correctly"
    );
    assert_eq!(sg.id.as_deref(), Some(ID));
    assert_eq!(cloud.calls()[0].method, "POST");
}

#[tokio::test]
async fn empty_list_and_count_only_page() {
    let cloud = FakeCloud::start(SECRET, |call| match call.param("page") {
        Some("2") => ok(json!({"listvirtualmachinesresponse": {"count": 3}})),
        _ => ok(json!({"listvirtualmachinesresponse": {}})),
    })
    .await;
    let c = client(&cloud.url);
    let empty = c.execute(&ListVirtualMachines::new()).await.expect("empty");
    assert_eq!((empty.count, empty.items.len()), (None, 0));
    let past = c.list_page(ListVirtualMachines::new(), 2, 500).await.expect("page 2");
    assert_eq!((past.count, past.items.len()), (Some(3), 0));
}

#[tokio::test]
async fn paging_streams_every_item_and_stops_on_count() {
    let total = 1203usize;
    let cloud = FakeCloud::start(SECRET, move |call| {
        let page: usize = call.param("page").and_then(|p| p.parse().ok()).unwrap_or(1);
        let size: usize = call.param("pagesize").and_then(|p| p.parse().ok()).unwrap_or(500);
        let items: Vec<_> = ((page - 1) * size..(page * size).min(total))
            .map(|i| json!({"id": format!("vm-{i}"), "name": format!("n{i}")}))
            .collect();
        if items.is_empty() {
            ok(json!({"listvirtualmachinesresponse": {"count": total}}))
        } else {
            ok(json!({"listvirtualmachinesresponse": {"count": total, "virtualmachine": items}}))
        }
    })
    .await;
    let c = client(&cloud.url);
    let all: Vec<_> = c.list_all(ListVirtualMachines::new().listall(true)).collect().await;
    assert_eq!(all.len(), total);
    assert_eq!(all[1202].as_ref().expect("ok").id.as_deref(), Some("vm-1202"));
    let pages: Vec<String> = cloud
        .calls()
        .iter()
        .filter_map(|c| c.param("page").map(str::to_string))
        .collect();
    assert_eq!(
        pages,
        ["1", "2", "3"],
        "stops when count is reached, no extra empty page"
    );
    assert!(cloud
        .calls()
        .iter()
        .all(|c| c.param("pagesize") == Some("500") && c.param("listall") == Some("true")));
}

fn job_server(states: Arc<AtomicUsize>, fail: bool) -> impl Fn(&Call) -> (u16, String) + Send + Sync {
    move |call| match call.command.as_str() {
        "deployVirtualMachine" => ok(json!({"deployvirtualmachineresponse": {"id": ID, "jobid": "job-1"}})),
        "queryAsyncJobResult" => {
            let n = states.fetch_add(1, Ordering::SeqCst);
            if n < 2 {
                ok(
                    json!({"queryasyncjobresultresponse": {"jobid": "job-1", "jobstatus": 0, "jobprocstatus": 0, "jobresultcode": 0,
                    "cmd": "org.apache.cloudstack.api.command.user.vm.DeployVMCmd"}}),
                )
            } else if fail {
                ok(
                    json!({"queryasyncjobresultresponse": {"jobid": "job-1", "jobstatus": 2, "jobresultcode": 533, "jobresulttype": "object",
                    "jobresult": {"errorcode": 533, "errortext": "Unable to create a deployment for VM"}}}),
                )
            } else {
                ok(
                    json!({"queryasyncjobresultresponse": {"jobid": "job-1", "jobstatus": 1, "jobresultcode": 0, "jobresulttype": "object",
                    "jobresult": {"virtualmachine": {"id": ID, "name": "web-1", "state": "Running", "nic": [{"ipaddress": "10.1.1.5"}]}}}}),
                )
            }
        }
        _ => (530, "{}".into()),
    }
}

#[tokio::test]
async fn async_job_pending_then_succeeded() {
    let polls = Arc::new(AtomicUsize::new(0));
    let cloud = FakeCloud::start(SECRET, job_server(Arc::clone(&polls), false)).await;
    let c = client(&cloud.url);
    let req = DeployVirtualMachine::new(ID, ID, ID).name("web-1");
    let reply = c.submit(&req).await.expect("submitted");
    assert_eq!((reply.job_id.as_str(), reply.id.as_deref()), ("job-1", Some(ID)));
    let vm = c.execute(&req).await.expect("job succeeded");
    assert_eq!(vm.state.as_deref(), Some("Running"));
    assert_eq!(vm.nic[0].ipaddress.as_deref(), Some("10.1.1.5"));
    assert_eq!(cloud.count("queryAsyncJobResult"), 3);
    assert!(cloud
        .calls()
        .iter()
        .filter(|c| c.command == "deployVirtualMachine")
        .all(|c| c.method == "POST"));
}

#[tokio::test]
async fn async_job_failed_carries_code_and_text() {
    let cloud = FakeCloud::start(SECRET, job_server(Arc::new(AtomicUsize::new(0)), true)).await;
    match client(&cloud.url).execute(&DeployVirtualMachine::new(ID, ID, ID)).await {
        Err(Error::JobFailed {
            job_id,
            errorcode,
            errortext,
            api,
        }) => {
            assert_eq!(
                (job_id.as_str(), errorcode, api.as_str()),
                ("job-1", 533, "deployVirtualMachine")
            );
            assert!(errortext.contains("deployment"));
        }
        other => panic!("expected a job failure, got {other:?}"),
    }
}

#[tokio::test]
async fn job_timeout_carries_the_job_id() {
    let cloud = FakeCloud::start(SECRET, |_| {
        ok(json!({"queryasyncjobresultresponse": {"jobid": "job-9", "jobstatus": 0}}))
    })
    .await;
    let c = Client::builder(&cloud.url)
        .credentials(API_KEY, SECRET)
        .job_policy(JobPolicy {
            start: Duration::from_millis(5),
            factor: 1.0,
            cap: Duration::from_millis(5),
            timeout: Duration::from_millis(60),
        })
        .build()
        .expect("client");
    match c.wait_job("deployVirtualMachine", "job-9").await {
        Err(Error::JobTimeout { job_id, .. }) => assert_eq!(job_id, "job-9"),
        other => panic!("expected a timeout, got {other:?}"),
    }
}

#[tokio::test]
async fn server_errors_431_530_and_non_json() {
    let cloud = FakeCloud::start(SECRET, |call| match call.command.as_str() {
        "deployVirtualMachine" => (
            431,
            json!({"deployvirtualmachineresponse": {"uuidList": [], "errorcode": 431, "cserrorcode": 9999,
            "errortext": "Unable to execute API command deployvirtualmachine due to missing parameter zoneid"}})
            .to_string(),
        ),
        "createSecurityGroup" => (
            530,
            json!({"createsecuritygroupresponse": {"uuidList": [], "errorcode": 530, "cserrorcode": 4250,
            "errortext": "A security group with name web already exists"}})
            .to_string(),
        ),
        _ => (200, "<html><body>maintenance</body></html>".into()),
    })
    .await;
    let c = client(&cloud.url);
    match c.execute(&DeployVirtualMachine::new(ID, ID, ID)).await {
        Err(Error::Api(e)) => assert_eq!((e.http_status, e.errorcode, e.cserrorcode), (431, 431, Some(9999))),
        other => panic!("{other:?}"),
    }
    match c.execute(&CreateSecurityGroup::new("web")).await {
        Err(e @ Error::Api(_)) => {
            assert_eq!(e.errorcode(), Some(530));
            assert!(
                e.to_string().contains("cserrorcode 4250") && e.to_string().contains("already exists"),
                "{e}"
            );
        }
        other => panic!("{other:?}"),
    }
    match c.execute(&ListZones::new()).await {
        Err(Error::Decode(d)) => assert!(d.excerpt.contains("maintenance"), "{d}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn reads_are_retried_writes_are_not() {
    let n = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&n);
    let cloud = FakeCloud::start(SECRET, move |call| {
        if call.command == "listZones" && seen.fetch_add(1, Ordering::SeqCst) < 2 {
            return (503, "<html>Service Unavailable</html>".into());
        }
        match call.command.as_str() {
            "listZones" => zones(call),
            _ => (503, "<html>Service Unavailable</html>".into()),
        }
    })
    .await;
    let c = client(&cloud.url);
    c.execute(&ListZones::new()).await.expect("third try succeeds");
    assert_eq!(cloud.count("listZones"), 3);
    let err = c.execute(&CreateSecurityGroup::new("web")).await.expect_err("503");
    assert!(matches!(err, Error::UnexpectedStatus { status: 503, .. }), "{err}");
    assert_eq!(cloud.count("createSecurityGroup"), 1, "a POST is never retried blindly");
}

#[tokio::test]
async fn throttling_is_retried_with_the_hint_then_reported() {
    let cloud = FakeCloud::start(SECRET, |_| {
        (
            429,
            json!({"listzonesresponse": {"uuidList": [], "errorcode": 429, "cserrorcode": 4545,
            "errortext": "The given user has reached his/her account api limit, please retry after 10 ms."}})
            .to_string(),
        )
    })
    .await;
    match client(&cloud.url).execute(&ListZones::new()).await {
        Err(Error::Throttled { retry_after, .. }) => assert_eq!(retry_after, Some(Duration::from_millis(10))),
        other => panic!("{other:?}"),
    }
    assert_eq!(cloud.count("listZones"), 3, "bounded retries");
}

#[tokio::test]
async fn unreachable_endpoint_is_a_transport_error() {
    let c = Client::builder("http://127.0.0.1:9/client/api")
        .credentials(API_KEY, SECRET)
        .retry_policy(RetryPolicy {
            attempts: 1,
            ..RetryPolicy::default()
        })
        .build()
        .expect("client");
    match c.execute(&ListZones::new()).await {
        Err(e @ Error::Transport { .. }) => assert!(e.to_string().contains("127.0.0.1:9"), "{e}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn job_watcher_batches_polls() {
    let done_after = Arc::new(AtomicUsize::new(0));
    let rounds = Arc::clone(&done_after);
    let jobs: Vec<String> = (0..40).map(|i| format!("job-{i}")).collect();
    let listed = jobs.clone();
    let cloud = FakeCloud::start(SECRET, move |call| match call.command.as_str() {
        "listAsyncJobs" => {
            let round = rounds.fetch_add(1, Ordering::SeqCst);
            let items: Vec<_> = listed
                .iter()
                .enumerate()
                .map(|(i, id)| {
                    let status = if i % 4 <= round { 1 } else { 0 };
                    json!({"jobid": id, "jobstatus": status, "jobresult": {"success": true}})
                })
                .collect();
            ok(json!({"listasyncjobsresponse": {"count": items.len(), "asyncjobs": items}}))
        }
        "queryAsyncJobResult" => {
            ok(json!({"queryasyncjobresultresponse": {"jobid": call.param("jobid"), "jobstatus": 1, "jobresult": {}}}))
        }
        _ => (530, "{}".into()),
    })
    .await;
    let c = client(&cloud.url);
    let watcher = JobWatcher::new(c.clone(), Duration::from_millis(10), Duration::from_secs(5));
    let waits = jobs.iter().map(|id| watcher.wait("createTags", id));
    let results = futures_util::future::join_all(waits).await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(watcher.mode(), WatchMode::Batch);
    assert_eq!(cloud.count("queryAsyncJobResult"), 0);
    assert_eq!(cloud.count("listAsyncJobs"), 4, "40 jobs resolved in 4 list calls");
}

#[tokio::test]
async fn job_watcher_falls_back_to_per_job_polling() {
    let cloud = FakeCloud::start(SECRET, |call| match call.command.as_str() {
        "listAsyncJobs" => (
            401,
            json!({"listasyncjobsresponse": {"uuidList": [], "errorcode": 401,
            "errortext": "The given command 'listAsyncJobs' either does not exist, is not available for user"}})
            .to_string(),
        ),
        _ => ok(
            json!({"queryasyncjobresultresponse": {"jobid": call.param("jobid"), "jobstatus": 2,
            "jobresult": {"errorcode": 530, "errortext": "boom"}}}),
        ),
    })
    .await;
    let c = client(&cloud.url);
    let watcher = JobWatcher::new(c, Duration::from_millis(10), Duration::from_secs(5));
    let err = watcher.wait("deleteNetwork", "job-x").await.expect_err("job fails");
    assert!(matches!(err, Error::JobFailed { errorcode: 530, .. }), "{err}");
    assert_eq!(watcher.mode(), WatchMode::PerJob);
}

#[tokio::test]
async fn dropping_a_wait_is_safe() {
    let cloud = FakeCloud::start(SECRET, |_| {
        ok(json!({"queryasyncjobresultresponse": {"jobid": "j", "jobstatus": 0}}))
    })
    .await;
    let c = client(&cloud.url);
    let waited = tokio::time::timeout(Duration::from_millis(30), c.wait_job("x", "j")).await;
    assert!(waited.is_err(), "still pending when dropped");
    let before = cloud.count("queryAsyncJobResult");
    tokio::time::sleep(Duration::from_millis(60)).await;
    assert_eq!(
        cloud.count("queryAsyncJobResult"),
        before,
        "no polling after the future is dropped"
    );
}

#[test]
fn from_env_reads_the_cs_variables() {
    // Only this test touches these variables.
    std::env::remove_var("CLOUDSTACK_KEY");
    std::env::set_var("CLOUDSTACK_ENDPOINT", "http://127.0.0.1:1/client/api");
    let err = Client::from_env().expect_err("key missing");
    assert!(err.to_string().contains("CLOUDSTACK_KEY"), "{err}");
    std::env::set_var("CLOUDSTACK_KEY", "k");
    std::env::set_var("CLOUDSTACK_SECRET", "s");
    let c = Client::from_env().expect("all set");
    assert_eq!(c.endpoint(), "http://127.0.0.1:1/client/api");
    assert!(!format!("{c:?}").contains("\"s\""));
}
