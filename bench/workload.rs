//! The workload timed after create: a Deployment of the test app, and a Job
//! that reaches it through its Service by DNS name from a pod.

use std::time::{Duration, Instant};

use futures::StreamExt;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::batch::v1::Job;
use kube::api::Api;
use kube::runtime::watcher;

use devk::kube::Applier;
use devk::kube::readiness::{Rollout, deployment_status, job_status};

pub const APP_IMAGE: &str = "devk-test/app:1";

fn objects(namespace: &str) -> Vec<serde_json::Value> {
    let docs = format!(
        r#"
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: {namespace}}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
        - name: web
          image: {APP_IMAGE}
          imagePullPolicy: Never
          ports: [{{containerPort: 8080}}]
          readinessProbe: {{httpGet: {{path: /, port: 8080}}, periodSeconds: 1}}
---
apiVersion: v1
kind: Service
metadata: {{name: web, namespace: {namespace}}}
spec:
  selector: {{app: web}}
  ports: [{{port: 80, targetPort: 8080}}]
"#
    );
    docs.split("\n---\n")
        .map(|d| serde_saphyr::from_str(d).expect("the workload parses"))
        .collect()
}

fn probe_job(namespace: &str) -> serde_json::Value {
    serde_json::json!({
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": "probe", "namespace": namespace},
        "spec": {"backoffLimit": 20, "template": {"spec": {
            "restartPolicy": "OnFailure",
            "containers": [{"name": "probe", "image": APP_IMAGE, "imagePullPolicy": "Never",
                "command": ["sh", "-c", "timeout 5 wget -qO- http://web"]}]}}}
    })
}

async fn watch_until<K>(
    api: Api<K>,
    name: &str,
    timeout: Duration,
    done: impl Fn(&K) -> bool,
) -> Result<(), String>
where
    K: kube::Resource + Clone + std::fmt::Debug + serde::de::DeserializeOwned + Send + 'static,
{
    let config = watcher::Config::default().fields(&format!("metadata.name={name}"));
    let mut stream = watcher(api, config).boxed();
    let deadline = Instant::now() + timeout;
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(remaining, stream.next()).await {
            Err(_) | Ok(None) => return Err(format!("{name} not done within {timeout:?}")),
            Ok(Some(Ok(watcher::Event::Apply(o)))) | Ok(Some(Ok(watcher::Event::InitApply(o))))
                if done(&o) =>
            {
                return Ok(());
            }
            Ok(Some(_)) => {}
        }
    }
}

/// (seconds until the Deployment is available, seconds until a pod reached
/// it through its Service), both from the call.
pub async fn run(client: &kube::Client, namespace: &str) -> Result<(f64, f64), String> {
    let started = Instant::now();
    let applier = Applier::new(client.clone());
    for o in objects(namespace) {
        applier
            .apply(&o, Some(namespace))
            .await
            .map_err(|e| e.to_string())?;
    }
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), namespace);
    watch_until(deployments, "web", Duration::from_secs(180), |d| {
        deployment_status(d) == Rollout::Complete
    })
    .await?;
    let available = started.elapsed().as_secs_f64();
    applier
        .apply(&probe_job(namespace), Some(namespace))
        .await
        .map_err(|e| e.to_string())?;
    let jobs: Api<Job> = Api::namespaced(client.clone(), namespace);
    watch_until(jobs, "probe", Duration::from_secs(180), |j| {
        job_status(j) == Rollout::Complete
    })
    .await?;
    Ok((available, started.elapsed().as_secs_f64()))
}

/// A fresh probe Job (new pod, through the Service) completes.
pub async fn probe_again(
    client: &kube::Client,
    namespace: &str,
    deadline: Instant,
) -> Result<(), String> {
    let applier = Applier::new(client.clone());
    let mut job = probe_job(namespace);
    job["metadata"]["name"] = serde_json::json!("probe-again");
    // The API may still refuse briefly while it settles.
    loop {
        match applier.apply(&job, Some(namespace)).await {
            Ok(_) => break,
            Err(e) if Instant::now() > deadline => return Err(e.to_string()),
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    let jobs: Api<Job> = Api::namespaced(client.clone(), namespace);
    let timeout = deadline.saturating_duration_since(Instant::now());
    watch_until(jobs, "probe-again", timeout, |j| {
        job_status(j) == Rollout::Complete
    })
    .await
}
