use poem::test::TestJson;

use crate::helpers::TestApp;

#[tokio::test]
async fn a_fresh_database_serves_all_290_municipalities() {
    let app = TestApp::new().await;
    let resp = app.get("/v1/municipalities?limit=1000").await;
    resp.assert_status_is_ok();
    let json: TestJson = serde_json::from_slice(&resp.body).expect("JSON body");
    assert_eq!(json.value().object().get("data").array().len(), 290);
}
