//! The simulator driven by the project's own client: authentication, dispatch and parameter errors,
//! seeded state, modeled resources, generic participants, jobs, lists and paging, faults, concurrency.

use std::time::{Duration, SystemTime};

use cloudstack_api::v4_17 as api;
use cloudstack_client::signing::{self, SignatureVersion};
use cloudstack_client::{Client, Error, HttpMethod, JobPolicy, RetryPolicy};
use cloudstack_sim::fixtures::*;
use cloudstack_sim::{FaultRule, Latency, RunningSim, SimConfig, DEMO_API_KEY, DEMO_SECRET_KEY};
use serde_json::{json, Value};

async fn sim_with(config: SimConfig) -> RunningSim {
    cloudstack_sim::start(config).await.expect("simulator starts")
}

async fn sim() -> RunningSim {
    sim_with(SimConfig {
        job_latency: Latency::Fixed(Duration::from_millis(20)),
        ..SimConfig::ephemeral()
    })
    .await
}

fn client(sim: &RunningSim) -> Client {
    Client::builder(&sim.url)
        .credentials(DEMO_API_KEY, DEMO_SECRET_KEY)
        .job_policy(JobPolicy {
            start: Duration::from_millis(10),
            factor: 1.5,
            cap: Duration::from_millis(50),
            timeout: Duration::from_secs(10),
        })
        .retry_policy(RetryPolicy {
            attempts: 1,
            ..RetryPolicy::default()
        })
        .build()
        .expect("client")
}

fn wire(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn api_err(e: Error) -> cloudstack_client::ApiError {
    match e {
        Error::Api(a) => a,
        other => panic!("expected an API error, got {other}"),
    }
}

#[tokio::test]
async fn authentication_v2_v3_expiry_and_unknown_commands() {
    let sim = sim().await;
    let v3 = client(&sim);
    v3.execute(&api::ListZones::new()).await.expect("v3");
    let v2 = Client::builder(&sim.url)
        .credentials(DEMO_API_KEY, DEMO_SECRET_KEY)
        .signature_version(SignatureVersion::V2)
        .build()
        .expect("client");
    v2.execute(&api::ListZones::new()).await.expect("v2");
    let wrong = Client::builder(&sim.url)
        .credentials(DEMO_API_KEY, "wrong")
        .build()
        .expect("client");
    assert!(matches!(
        wrong.execute(&api::ListZones::new()).await,
        Err(Error::Unauthorized { .. })
    ));
    let unknown_key = Client::builder(&sim.url)
        .credentials("nobody", DEMO_SECRET_KEY)
        .build()
        .expect("client");
    assert!(matches!(
        unknown_key.execute(&api::ListZones::new()).await,
        Err(Error::Unauthorized { .. })
    ));
    // Unknown command with a valid key: 401, as verifyRequest refuses it.
    assert!(matches!(
        v3.call("fooBar", HttpMethod::Get, vec![]).await,
        Err(Error::Unauthorized { .. })
    ));

    // An `expires` in the past, signed correctly: 401 with the JSON body.
    let past = signing::expires_at(SystemTime::now() - Duration::from_secs(120), Duration::from_secs(60));
    let mut params = wire(&[
        ("command", "listZones"),
        ("response", "json"),
        ("apiKey", DEMO_API_KEY),
        ("signatureVersion", "3"),
        ("expires", &past),
    ]);
    let sig = signing::signature(&params, DEMO_SECRET_KEY);
    params.push(("signature".into(), sig));
    let resp = reqwest::get(format!("{}?{}", sim.url, signing::encode_query(&params)))
        .await
        .expect("http");
    assert_eq!(resp.status().as_u16(), 401);
    let body: Value = serde_json::from_str(&resp.text().await.expect("body")).expect("json");
    assert_eq!(body["listzonesresponse"]["errorcode"], 401);
    assert_eq!(
        body["listzonesresponse"]["errortext"],
        "unable to verify user credentials and/or request signature"
    );
    assert!(body["listzonesresponse"].get("cserrorcode").is_none());

    let none = reqwest::get(&sim.url).await.expect("http");
    assert_eq!(none.status().as_u16(), 432);
    let body: Value = serde_json::from_str(&none.text().await.expect("body")).expect("json");
    assert_eq!(body["errorresponse"]["errortext"], "Invalid request, no command sent");
}

#[tokio::test]
async fn list_apis_and_seeded_state() {
    let sim = sim().await;
    let c = client(&sim);
    let apis = c.execute(&api::ListApis::new()).await.expect("listApis");
    assert_eq!(apis.count, Some(650));
    let one = c
        .execute(&api::ListApis::new().name("deployVirtualMachine"))
        .await
        .expect("by name");
    assert_eq!(one.items.len(), 1);
    assert_eq!(one.items[0].isasync, Some(true));
    let missing = api_err(
        c.execute(&api::ListApis::new().name("noSuchApi"))
            .await
            .expect_err("530"),
    );
    assert_eq!(missing.errorcode, 530);

    let zones = c.execute(&api::ListZones::new()).await.expect("zones");
    assert_eq!(
        (zones.items[0].id.as_deref(), zones.items[0].name.as_deref()),
        (Some(ZONE_ID), Some(ZONE_NAME))
    );
    let templates = c
        .execute(&api::ListTemplates::new("featured"))
        .await
        .expect("templates");
    assert!(templates.items.iter().any(|t| t.id.as_deref() == Some(TEMPLATE_ID)));
    let so = c.execute(&api::ListServiceOfferings::new()).await.expect("offerings");
    assert_eq!(so.count, Some(2));
    assert_eq!(
        c.execute(&api::ListDiskOfferings::new()).await.expect("disk").count,
        Some(2)
    );
    assert_eq!(
        c.execute(&api::ListNetworkOfferings::new()).await.expect("net").items[0]
            .id
            .as_deref(),
        Some(NETWORK_OFFERING_ID)
    );
    assert_eq!(
        c.execute(&api::ListDomains::new()).await.expect("domains").items[0]
            .name
            .as_deref(),
        Some("ROOT")
    );
    assert_eq!(
        c.execute(&api::ListAccounts::new()).await.expect("accounts").items[0]
            .name
            .as_deref(),
        Some("admin")
    );
    assert_eq!(
        c.execute(&api::ListUsers::new()).await.expect("users").items[0]
            .username
            .as_deref(),
        Some("admin")
    );
    let caps = c.execute(&api::ListCapabilities::new()).await.expect("caps");
    assert_eq!(caps.items[0].securitygroupsenabled, Some(true));
    let vols = c.execute(&api::ListVolumes::new()).await.expect("empty list");
    assert_eq!((vols.count, vols.items.len()), (None, 0));
    assert!(sim.handle.created_resources().is_empty());
}

#[tokio::test]
async fn parameter_errors_match_the_server() {
    let sim = sim().await;
    let c = client(&sim);
    let e = api_err(
        c.call(
            "deployVirtualMachine",
            HttpMethod::Post,
            wire(&[
                ("serviceofferingid", SERVICE_OFFERING_SMALL_ID),
                ("templateid", TEMPLATE_ID),
            ]),
        )
        .await
        .expect_err("missing zoneid"),
    );
    assert_eq!((e.http_status, e.errorcode, e.cserrorcode), (431, 431, Some(9999)));
    assert_eq!(
        e.errortext,
        "Unable to execute API command deployvirtualmachine due to missing parameter zoneid"
    );
    let e = api_err(
        c.call(
            "listVolumes",
            HttpMethod::Get,
            wire(&[("page", "x"), ("pagesize", "5")]),
        )
        .await
        .expect_err("bad int"),
    );
    assert_eq!(
        e.errortext,
        "Unable to execute API command listvolumes due to invalid value x for parameter page"
    );
    let e = api_err(
        c.call(
            "listVolumes",
            HttpMethod::Get,
            wire(&[("id", "5e0e9a57-0000-4000-8000-00000000dead")]),
        )
        .await
        .expect_err("no such id"),
    );
    assert!(
        e.errortext
            .contains("Invalid parameter id value=5e0e9a57-0000-4000-8000-00000000dead"),
        "{}",
        e.errortext
    );
    let long = "x".repeat(256);
    let e = api_err(
        c.call("createSecurityGroup", HttpMethod::Post, wire(&[("name", &long)]))
            .await
            .expect_err("too long"),
    );
    assert_eq!(e.errortext, "Unable to execute API command createsecuritygroup due to invalid value. Value greater than max allowed length 255 for param: name");
    let e = api_err(
        c.call("listVolumes", HttpMethod::Get, wire(&[("tags[x].key", "a")]))
            .await
            .expect_err("malformed map"),
    );
    assert_eq!(e.errorcode, 430);
    assert!(e.errortext.starts_with("Unable to decode parameter tags[x].key"));
    // Unknown parameters are ignored; any case of a parameter name works.
    let ok = c
        .call(
            "listZones",
            HttpMethod::Get,
            wire(&[("noSuchParam", "1"), ("ID", ZONE_ID)]),
        )
        .await
        .expect("ignored");
    assert_eq!(ok["count"], 1);
}

#[tokio::test]
async fn vm_security_group_lifecycle() {
    let sim = sim().await;
    let c = client(&sim);
    let sg = c.execute(&api::CreateSecurityGroup::new("web")).await.expect("sg");
    let sg_id = sg.id.clone().expect("id");
    let dup = api_err(
        c.execute(&api::CreateSecurityGroup::new("web"))
            .await
            .expect_err("duplicate"),
    );
    assert_eq!(
        dup.errorcode, 431,
        "InvalidParameterValueException, as SecurityGroupManagerImpl throws"
    );
    let rule = c
        .execute(
            &api::AuthorizeSecurityGroupIngress::new()
                .securitygroupid(&sg_id)
                .protocol("tcp")
                .startport(80)
                .endport(80)
                .cidrlist(["0.0.0.0/0"]),
        )
        .await
        .expect("ingress");
    let rule_json = serde_json::to_value(rule.extra.get("ingressrule")).expect("json");
    let rule_id = rule_json[0]["ruleid"].as_str().expect("ruleid").to_string();

    let deploy = api::DeployVirtualMachine::new(SERVICE_OFFERING_SMALL_ID, TEMPLATE_ID, ZONE_ID)
        .name("web-1")
        .securitygroupids([sg_id.as_str()]);
    let submitted = c.submit(&deploy).await.expect("deploy accepted");
    let vm_id = submitted.id.clone().expect("async create returns the id");
    let pending = c.query_job(&submitted.job_id).await.expect("job");
    assert_eq!(pending["jobstatus"], 0);
    let result = c
        .wait_job("deployVirtualMachine", &submitted.job_id)
        .await
        .expect("job done");
    assert_eq!(result["virtualmachine"]["state"], "Running");
    assert_eq!(result["virtualmachine"]["id"], json!(vm_id));
    let vms = c
        .execute(&api::ListVirtualMachines::new().id(&vm_id))
        .await
        .expect("list");
    let vm = &vms.items[0];
    assert_eq!(
        (vm.state.as_deref(), vm.name.as_deref()),
        (Some("Running"), Some("web-1"))
    );
    assert!(vm.nic[0].ipaddress.as_deref().is_some_and(|ip| ip.starts_with("10.1.")));
    assert_eq!(vm.securitygroup[0].id.as_deref(), Some(sg_id.as_str()));

    let in_use = api_err(
        c.execute(&api::DeleteSecurityGroup::new().id(&sg_id))
            .await
            .expect_err("in use"),
    );
    assert_eq!(in_use.errorcode, 536);
    let stopped = c.execute(&api::StopVirtualMachine::new(&vm_id)).await.expect("stop");
    assert_eq!(stopped.state.as_deref(), Some("Stopped"));
    c.execute(&api::StartVirtualMachine::new(&vm_id)).await.expect("start");
    // Destroy without expunge keeps the VM (and its hold on the group).
    let destroyed = c
        .execute(&api::DestroyVirtualMachine::new(&vm_id))
        .await
        .expect("destroy");
    assert_eq!(destroyed.state.as_deref(), Some("Destroyed"));
    assert!(c.execute(&api::DeleteSecurityGroup::new().id(&sg_id)).await.is_err());
    c.execute(&api::ExpungeVirtualMachine::new(&vm_id))
        .await
        .expect("expunge");
    c.execute(&api::RevokeSecurityGroupIngress::new(&rule_id))
        .await
        .expect("revoke");
    c.execute(&api::DeleteSecurityGroup::new().id(&sg_id))
        .await
        .expect("delete sg");
    assert!(
        sim.handle.created_resources().is_empty(),
        "{:?}",
        sim.handle.created_resources()
    );
}

#[tokio::test]
async fn tags_on_resources_and_filters() {
    let sim = sim().await;
    let c = client(&sim);
    let vm = c
        .execute(&api::DeployVirtualMachine::new(SERVICE_OFFERING_SMALL_ID, TEMPLATE_ID, ZONE_ID).name("tagged"))
        .await
        .expect("vm");
    let vm_id = vm.id.clone().expect("id");
    c.execute(&api::CreateTags::new(
        [vm_id.as_str()],
        "UserVm",
        [("stack", "s1"), ("role", "web")],
    ))
    .await
    .expect("tags");
    let dup = c
        .execute(&api::CreateTags::new([vm_id.as_str()], "uservm", [("stack", "s2")]))
        .await
        .expect_err("duplicate key");
    assert!(matches!(dup, Error::JobFailed { errorcode: 530, .. }), "{dup}");
    let bad = api_err(
        c.execute(&api::CreateTags::new([vm_id.as_str()], "Nope", [("a", "b")]))
            .await
            .expect_err("type"),
    );
    assert_eq!(bad.errortext, "Invalid resource type Nope");
    let tags = c
        .execute(&api::ListTags::new().resourceid(&vm_id))
        .await
        .expect("listTags");
    assert_eq!(tags.count, Some(2));
    let filtered = c
        .execute(&api::ListVirtualMachines::new().tags([("stack", "s1")]))
        .await
        .expect("filter");
    assert_eq!(filtered.items.len(), 1);
    assert_eq!(filtered.items[0].tags.len(), 2);
    let none = c
        .execute(&api::ListVirtualMachines::new().tags([("stack", "other")]))
        .await
        .expect("filter");
    assert!(none.items.is_empty());
    c.execute(&api::DeleteTags::new([vm_id.as_str()], "UserVm").tags([("role", "")]))
        .await
        .expect("delete by key");
    assert_eq!(
        c.execute(&api::ListTags::new().resourceid(&vm_id))
            .await
            .expect("listTags")
            .count,
        Some(1)
    );
    c.execute(&api::DestroyVirtualMachine::new(&vm_id).expunge(true))
        .await
        .expect("destroy");
    assert!(sim.handle.created_resources().is_empty());
}

#[tokio::test]
async fn volumes_ips_nat_rules_keys_and_snapshots() {
    let sim = sim().await;
    let c = client(&sim);
    let vm = c
        .execute(&api::DeployVirtualMachine::new(
            SERVICE_OFFERING_SMALL_ID,
            TEMPLATE_ID,
            ZONE_ID,
        ))
        .await
        .expect("vm");
    let vm_id = vm.id.clone().expect("id");
    let vol = c
        .execute(
            &api::CreateVolume::new()
                .name("data")
                .zoneid(ZONE_ID)
                .diskofferingid(DISK_OFFERING_SMALL_ID),
        )
        .await
        .expect("volume");
    let vol_id = vol.id.clone().expect("id");
    let attached = c
        .execute(&api::AttachVolume::new(&vol_id, &vm_id))
        .await
        .expect("attach");
    assert_eq!(attached.virtualmachineid.as_deref(), Some(vm_id.as_str()));
    let e = api_err(c.execute(&api::DeleteVolume::new(&vol_id)).await.expect_err("attached"));
    assert_eq!(e.errorcode, 431);
    let snap = c.execute(&api::CreateSnapshot::new(&vol_id)).await.expect("snapshot");
    c.execute(&api::DeleteSnapshot::new(snap.id.as_deref().expect("id")))
        .await
        .expect("delete snapshot");
    c.execute(&api::DetachVolume::new().id(&vol_id)).await.expect("detach");
    c.execute(&api::DeleteVolume::new(&vol_id))
        .await
        .expect("delete volume");

    let ip = c
        .execute(&api::AssociateIpAddress::new().zoneid(ZONE_ID))
        .await
        .expect("ip");
    let ip_id = ip.id.clone().expect("id");
    assert!(ip.ipaddress.as_deref().is_some_and(|a| a.starts_with("203.0.")));
    c.execute(&api::EnableStaticNat::new(&ip_id, &vm_id))
        .await
        .expect("static nat");
    let listed = c
        .execute(&api::ListPublicIpAddresses::new().id(&ip_id))
        .await
        .expect("list ip");
    assert_eq!(listed.items[0].isstaticnat, Some(true));
    c.execute(&api::DisableStaticNat::new(&ip_id)).await.expect("disable");
    let pf = c
        .execute(&api::CreatePortForwardingRule::new(&ip_id, 22, "tcp", 22, &vm_id))
        .await
        .expect("pf");
    let fw = c
        .execute(&api::CreateFirewallRule::new(&ip_id, "tcp").startport(80).endport(80))
        .await
        .expect("fw");
    assert_eq!(
        c.execute(&api::ListPortForwardingRules::new())
            .await
            .expect("pfs")
            .items
            .len(),
        1
    );
    c.execute(&api::DeletePortForwardingRule::new(pf.id.as_deref().expect("id")))
        .await
        .expect("delete pf");
    c.execute(&api::DeleteFirewallRule::new(fw.id.as_deref().expect("id")))
        .await
        .expect("delete fw");
    c.execute(&api::DisassociateIpAddress::new(&ip_id))
        .await
        .expect("release ip");

    let kp = c.execute(&api::CreateSSHKeyPair::new("deploy")).await.expect("keypair");
    assert!(kp.privatekey.as_deref().is_some_and(|k| k.contains("PRIVATE KEY")));
    assert_eq!(
        c.execute(&api::ListSSHKeyPairs::new()).await.expect("keys").count,
        Some(1)
    );
    c.execute(&api::DeleteSSHKeyPair::new("deploy"))
        .await
        .expect("delete keypair");
    let ag = c
        .execute(&api::CreateAffinityGroup::new("spread", "host anti-affinity"))
        .await
        .expect("affinity");
    c.execute(&api::DeleteAffinityGroup::new().id(ag.id.as_deref().expect("id")))
        .await
        .expect("delete affinity");
    c.execute(&api::DestroyVirtualMachine::new(&vm_id).expunge(true))
        .await
        .expect("destroy");
    assert!(
        sim.handle.created_resources().is_empty(),
        "{:?}",
        sim.handle.created_resources()
    );
}

#[tokio::test]
async fn network_in_use_fails_its_delete_job() {
    let sim = sim().await;
    let c = client(&sim);
    let net = c
        .execute(&api::CreateNetwork::new("net", "n1", NETWORK_OFFERING_ID, ZONE_ID))
        .await
        .expect("network");
    let net_id = net.id.clone().expect("id");
    let vm = c
        .execute(
            &api::DeployVirtualMachine::new(SERVICE_OFFERING_SMALL_ID, TEMPLATE_ID, ZONE_ID)
                .networkids([net_id.as_str()]),
        )
        .await
        .expect("vm");
    let err = c.execute(&api::DeleteNetwork::new(&net_id)).await.expect_err("in use");
    assert!(matches!(err, Error::JobFailed { errorcode: 530, .. }), "{err}");
    c.execute(&api::DestroyVirtualMachine::new(vm.id.as_deref().expect("id")).expunge(true))
        .await
        .expect("destroy");
    c.execute(&api::DeleteNetwork::new(&net_id))
        .await
        .expect("now it deletes");
    assert!(sim.handle.created_resources().is_empty());
}

#[tokio::test]
async fn generic_participants_paging_and_keyword() {
    let sim = sim().await;
    let c = client(&sim);
    for i in 0..7 {
        c.execute(&api::CreateInstanceGroup::new(format!("group-{i}")))
            .await
            .expect("generic create");
    }
    let page1 = c.list_page(api::ListInstanceGroups::new(), 1, 5).await.expect("page 1");
    assert_eq!((page1.count, page1.items.len()), (Some(7), 5));
    let page2 = c.list_page(api::ListInstanceGroups::new(), 2, 5).await.expect("page 2");
    assert_eq!(page2.items.len(), 2);
    let page3 = c.list_page(api::ListInstanceGroups::new(), 3, 5).await.expect("page 3");
    assert_eq!((page3.count, page3.items.len()), (Some(7), 0));
    let errors = [
        (
            wire(&[("pagesize", "5")]),
            "\"page\" parameter is required when \"pagesize\" is specified",
        ),
        (
            wire(&[("page", "1")]),
            "\"pagesize\" parameter is required when \"page\" is specified",
        ),
        (
            wire(&[("page", "1"), ("pagesize", "501")]),
            "Page size can't exceed max allowed page size value: 500",
        ),
        (
            wire(&[("page", "1"), ("pagesize", "-1")]),
            "Can't specify page parameter when pagesize is -1 (Unlimited)",
        ),
    ];
    for (params, text) in errors {
        let e = api_err(
            c.call("listInstanceGroups", HttpMethod::Get, params)
                .await
                .expect_err("paging error"),
        );
        assert_eq!((e.errorcode, e.errortext.as_str()), (431, text));
    }
    let all = c
        .call("listInstanceGroups", HttpMethod::Get, wire(&[("pagesize", "-1")]))
        .await
        .expect("unlimited");
    assert_eq!(all["instancegroup"].as_array().map(Vec::len), Some(7));
    let kw = c
        .execute(&api::ListInstanceGroups::new().keyword("GROUP-3"))
        .await
        .expect("keyword");
    assert_eq!(kw.items.len(), 1);
    let ids: Vec<String> = c
        .execute(&api::ListInstanceGroups::new())
        .await
        .expect("all")
        .items
        .into_iter()
        .filter_map(|g| g.id)
        .collect();
    for id in ids {
        c.execute(&api::DeleteInstanceGroup::new(&id))
            .await
            .expect("generic delete");
    }
    assert!(sim.handle.created_resources().is_empty());
    // An async generic create returns id and jobid; its job completes to the object.
    let vpc = c
        .submit(&api::CreateVPCOffering::new("offering", "vpco", ["Dhcp", "Dns"]))
        .await
        .expect("async generic create");
    assert!(vpc.id.is_some());
    let done = c.wait_job("createVPCOffering", &vpc.job_id).await.expect("job");
    assert_eq!(done["vpcoffering"]["name"], "vpco");
    let jobs = c.execute(&api::ListAsyncJobs::new()).await.expect("jobs");
    assert!(jobs
        .items
        .iter()
        .any(|j| j.jobid.as_deref() == Some(vpc.job_id.as_str()) && j.jobstatus == Some(1)));
}

#[tokio::test]
async fn faults_fail_calls_jobs_throttle_and_delay() {
    let sim = sim().await;
    let c = client(&sim);
    sim.handle.set_faults(vec![
        FaultRule::parse("listZones:next=1,code=530,text=boom").expect("rule"),
        FaultRule::parse("deployVirtualMachine:next=1,in_job,code=533").expect("rule"),
        FaultRule::parse("listTemplates:throttle,next=1").expect("rule"),
        FaultRule::parse("listDomains:latency=150").expect("rule"),
    ]);
    let e = api_err(c.execute(&api::ListZones::new()).await.expect_err("injected"));
    assert_eq!((e.errorcode, e.errortext.as_str()), (530, "boom"));
    c.execute(&api::ListZones::new())
        .await
        .expect("only the next call failed");
    let e = c
        .execute(&api::DeployVirtualMachine::new(
            SERVICE_OFFERING_SMALL_ID,
            TEMPLATE_ID,
            ZONE_ID,
        ))
        .await
        .expect_err("job fails");
    assert!(matches!(e, Error::JobFailed { errorcode: 533, .. }), "{e}");
    assert!(
        sim.handle.created_resources().is_empty(),
        "the failed create leaves nothing behind"
    );
    assert!(matches!(
        c.execute(&api::ListTemplates::new("featured")).await,
        Err(Error::Throttled { .. })
    ));
    let t = std::time::Instant::now();
    c.execute(&api::ListDomains::new()).await.expect("slow");
    assert!(t.elapsed() >= Duration::from_millis(150));

    // The control API over HTTP.
    let http = reqwest::Client::new();
    let base = sim.url.replace("/client/api", "");
    let put = http
        .put(format!("{base}/sim/faults"))
        .header("content-type", "application/json")
        .body(json!([{"api": "listZones", "fail_next": 2, "errorcode": 534}]).to_string())
        .send()
        .await
        .expect("put");
    assert_eq!(put.status().as_u16(), 204);
    assert_eq!(
        api_err(c.execute(&api::ListZones::new()).await.expect_err("534")).errorcode,
        534
    );
    let get = |path: &str| {
        let (http, url) = (http.clone(), format!("{base}{path}"));
        async move {
            serde_json::from_str::<Value>(&http.get(url).send().await.expect("get").text().await.expect("body"))
                .expect("json")
        }
    };
    let calls = get("/sim/calls").await;
    assert_eq!(calls["listZones"], 3);
    let live = get("/sim/resources").await;
    assert!(live.as_array().is_some_and(|a| a.iter().any(|r| r["kind"] == "zone")));
}

#[tokio::test]
async fn seeded_runs_are_reproducible() {
    async fn ids(seed: u64) -> Vec<String> {
        let sim = sim_with(SimConfig {
            seed,
            job_latency: Latency::Fixed(Duration::ZERO),
            ..SimConfig::ephemeral()
        })
        .await;
        let c = client(&sim);
        let mut out = Vec::new();
        for i in 0..3 {
            out.push(
                c.execute(&api::CreateSecurityGroup::new(format!("g{i}")))
                    .await
                    .expect("sg")
                    .id
                    .expect("id"),
            );
        }
        out
    }
    assert_eq!(ids(9).await, ids(9).await);
    assert_ne!(ids(9).await, ids(10).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_concurrent_requests() {
    let sim = sim_with(SimConfig {
        job_latency: Latency::Fixed(Duration::from_millis(5)),
        ..SimConfig::ephemeral()
    })
    .await;
    let c = client(&sim);
    let mut tasks = Vec::new();
    for t in 0..64 {
        let c = c.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..40 {
                if i % 10 == 0 {
                    c.execute(&api::CreateInstanceGroup::new(format!("g-{t}-{i}")))
                        .await
                        .map(|_| ())?;
                } else {
                    c.execute(&api::ListZones::new()).await.map(|_| ())?;
                }
            }
            Ok::<(), Error>(())
        }));
    }
    for t in tasks {
        t.await.expect("task").expect("no request failed");
    }
    assert_eq!(
        sim.handle.created_resources().len(),
        64 * 4,
        "every create is there exactly once"
    );
    assert_eq!(sim.handle.call_counts().get("listZones"), Some(&(64 * 36)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_a_thousand_simultaneous_requests() {
    let sim = sim_with(SimConfig {
        job_latency: Latency::Fixed(Duration::ZERO),
        ..SimConfig::ephemeral()
    })
    .await;
    let c = client(&sim);
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(1000));
    let tasks: Vec<_> = (0..1000)
        .map(|i| {
            let (c, start) = (c.clone(), start.clone());
            tokio::spawn(async move {
                start.wait().await;
                if i % 2 == 0 {
                    c.execute(&api::ListZones::new()).await.map(|_| ())
                } else {
                    c.execute(&api::CreateSecurityGroup::new(format!("burst-{i}")))
                        .await
                        .map(|_| ())
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("task").expect("no request failed");
    }
    let groups = c
        .execute(&api::ListSecurityGroups::new().page(1).pagesize(500))
        .await
        .expect("list");
    assert_eq!(
        groups.count,
        Some(501),
        "every create landed exactly once, beside the default group"
    );
    assert_eq!(sim.handle.total_calls(), 1001);
}

#[tokio::test]
async fn list_async_jobs_filters_by_startdate() {
    let sim = sim().await;
    let c = client(&sim);
    let job = c
        .submit(&api::CreateVPCOffering::new("o", "vpco", ["Dhcp"]))
        .await
        .expect("job")
        .job_id;
    let at = |offset: i64| {
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .expect("clock")
            .as_secs() as i64;
        signing::format_utc((now + offset) as u64, "+0000")
    };
    let listed = |since: String| {
        let c = c.clone();
        async move {
            c.call("listAsyncJobs", HttpMethod::Get, wire(&[("startdate", &since)]))
                .await
                .expect("list")
        }
    };
    let recent = listed(at(-60)).await;
    assert!(
        recent["asyncjobs"]
            .as_array()
            .is_some_and(|a| a.iter().any(|j| j["jobid"] == json!(job))),
        "{recent}"
    );
    assert_eq!(listed(at(3600)).await, json!({}), "no job started after that date");
}
