// Generated from fixtures/quirks.json by cloudstack-codegen/tests/golden.rs. Do not edit; run
// `UPDATE_GOLDEN=1 cargo test -p cloudstack-codegen --test golden` and review the diff.
use ::cloudstack_client as rt;
/// The CloudStack version these bindings were generated from.
pub const VERSION: &str = "quirks";
/// Finds an API description by exact command name.
pub fn api(name: &str) -> ::core::option::Option<&'static rt::ApiMeta> {
    rt::meta::find_api(&apis::ALL, name)
}
/// Finds a participant by type name (`CloudStack::VirtualMachine`).
pub fn participant(
    type_name: &str,
) -> ::core::option::Option<&'static rt::ParticipantSpec> {
    rt::participant::find(&participants::ALL, type_name)
}
/// Opens a port of a group
///
/// Command `authorizeSecurityGroupIngress`, async (returns a job), sent by POST.
#[derive(Clone)]
#[must_use]
pub struct AuthorizeSecurityGroupIngress(rt::Params);
impl AuthorizeSecurityGroupIngress {
    /// Creates the request; this command has no required parameters.
    #[allow(clippy::new_without_default, clippy::too_many_arguments)]
    pub fn new() -> Self {
        let p = rt::Params::new();
        Self(p)
    }
    /// the group
    ///
    /// Wire name `securitygroupid`, type `uuid`.
    pub fn securitygroupid(mut self, securitygroupid: impl Into<String>) -> Self {
        self.0.set_text(0, securitygroupid.into());
        self
    }
    /// first port
    ///
    /// Wire name `startport`, type `integer`.
    pub fn startport(mut self, startport: i32) -> Self {
        self.0.set_int(1, i64::from(startport));
        self
    }
    /// account/group pairs
    ///
    /// Wire name `usersecuritygrouplist`, type `map`; each `(K, V)` is sent as `usersecuritygrouplist[i].account=K&usersecuritygrouplist[i].group=V`.
    pub fn usersecuritygrouplist(
        mut self,
        usersecuritygrouplist: impl IntoIterator<
            Item = (impl Into<String>, impl Into<String>),
        >,
    ) -> Self {
        self.0.set_pairs(2, usersecuritygrouplist);
        self
    }
}
impl ::core::fmt::Debug for AuthorizeSecurityGroupIngress {
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        rt::request::debug_request(f, &apis::AUTHORIZE_SECURITY_GROUP_INGRESS, &self.0)
    }
}
impl rt::Request for AuthorizeSecurityGroupIngress {
    type Response = types::SecurityGroupIngress;
    fn meta(&self) -> &'static rt::ApiMeta {
        &apis::AUTHORIZE_SECURITY_GROUP_INGRESS
    }
    fn params(&self) -> &rt::Params {
        &self.0
    }
    fn params_mut(&mut self) -> &mut rt::Params {
        &mut self.0
    }
}
/// Makes a widget \<for tests\> with \[every\] parameter \*type\*
///
/// Command `createWidget`, async (returns a job), since 4.99, sent by POST.
#[derive(Clone)]
#[must_use]
pub struct CreateWidget(rt::Params);
impl CreateWidget {
    /// Creates the request with its required parameters.
    /// - `name`: widget name
    /// - `zoneid`: zone of the widget
    #[allow(clippy::new_without_default, clippy::too_many_arguments)]
    pub fn new(name: impl Into<String>, zoneid: impl Into<String>) -> Self {
        let mut p = rt::Params::new();
        p.set_text(8, name.into());
        p.set_text(18, zoneid.into());
        Self(p)
    }
    /// how many
    ///
    /// Wire name `count`, type `integer`.
    pub fn count(mut self, count: i32) -> Self {
        self.0.set_int(0, i64::from(count));
        self
    }
    /// flat details
    ///
    /// Wire name `details`, type `map`; each `(K, V)` is sent as `details[0].K=V`.
    pub fn details(
        mut self,
        details: impl IntoIterator<Item = (impl Into<String>, impl Into<String>)>,
    ) -> Self {
        self.0.set_pairs(1, details);
        self
    }
    /// camelCase parameter
    ///
    /// Wire name `domainId`, type `uuid`.
    pub fn domain_id(mut self, domain_id: impl Into<String>) -> Self {
        self.0.set_text(2, domain_id.into());
        self
    }
    /// on or off
    ///
    /// Wire name `enabled`, type `boolean`.
    pub fn enabled(mut self, enabled: bool) -> Self {
        self.0.set_bool(3, enabled);
        self
    }
    /// expiry instant
    ///
    /// Wire name `expires`, type `tzdate`.
    pub fn expires(mut self, expires: rt::Date) -> Self {
        self.0.set_date(4, expires);
        self
    }
    /// ids of friends
    ///
    /// Wire name `ids`, type `list`, sent comma-joined.
    pub fn ids(mut self, ids: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.0.set_list(5, ids);
        self
    }
    /// ip to network entries
    ///
    /// Wire name `iptonetworklist`, type `map`; entry `i` with fields `(F, V)` is sent as `iptonetworklist[i].F=V`.
    pub fn iptonetworklist(
        mut self,
        iptonetworklist: impl IntoIterator<
            Item = impl IntoIterator<Item = (impl Into<String>, impl Into<String>)>,
        >,
    ) -> Self {
        self.0.set_entries(6, iptonetworklist);
        self
    }
    /// a short level
    ///
    /// Wire name `level`, type `short`.
    pub fn level(mut self, level: i16) -> Self {
        self.0.set_int(7, i64::from(level));
        self
    }
    /// a secret
    ///
    /// Wire name `password`, type `string`, at most 255 characters. Secret: never logged.
    pub fn password(mut self, password: impl Into<String>) -> Self {
        self.0.set_text(9, password.into());
        self
    }
    /// object-typed parameter
    ///
    /// Wire name `payload`, type `object`, at most 255 characters.
    pub fn payload(mut self, payload: impl Into<String>) -> Self {
        self.0.set_text(10, payload.into());
        self
    }
    /// a float ratio
    ///
    /// Wire name `ratio`, type `float`.
    pub fn ratio(mut self, ratio: f32) -> Self {
        self.0.set_float(11, f64::from(ratio));
        self
    }
    /// service to provider pairs
    ///
    /// Wire name `serviceproviderlist`, type `map`; each `(K, V)` is sent as `serviceproviderlist[i].service=K&serviceproviderlist[i].provider=V`.
    pub fn serviceproviderlist(
        mut self,
        serviceproviderlist: impl IntoIterator<
            Item = (impl Into<String>, impl Into<String>),
        >,
    ) -> Self {
        self.0.set_pairs(12, serviceproviderlist);
        self
    }
    /// size in bytes
    ///
    /// Wire name `size`, type `long`.
    pub fn size(mut self, size: i64) -> Self {
        self.0.set_int(13, size);
        self
    }
    /// first day
    ///
    /// Wire name `startdate`, type `date`.
    pub fn startdate(mut self, startdate: rt::Date) -> Self {
        self.0.set_date(14, startdate);
        self
    }
    /// key/value tags
    ///
    /// Wire name `tags`, type `map`; each `(K, V)` is sent as `tags[i].key=K&tags[i].value=V`.
    pub fn tags(
        mut self,
        tags: impl IntoIterator<Item = (impl Into<String>, impl Into<String>)>,
    ) -> Self {
        self.0.set_pairs(15, tags);
        self
    }
    /// keyword-named parameter
    ///
    /// Wire name `type`, type `string`, at most 255 characters.
    pub fn type_(mut self, type_: impl Into<String>) -> Self {
        self.0.set_text(16, type_.into());
        self
    }
    /// a double weight
    ///
    /// Wire name `weight`, type `double`.
    pub fn weight(mut self, weight: f64) -> Self {
        self.0.set_float(17, weight);
        self
    }
}
impl ::core::fmt::Debug for CreateWidget {
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        rt::request::debug_request(f, &apis::CREATE_WIDGET, &self.0)
    }
}
impl rt::Request for CreateWidget {
    type Response = types::Widget;
    fn meta(&self) -> &'static rt::ApiMeta {
        &apis::CREATE_WIDGET
    }
    fn params(&self) -> &rt::Params {
        &self.0
    }
    fn params_mut(&mut self) -> &mut rt::Params {
        &mut self.0
    }
}
/// Removes a widget
///
/// Command `deleteWidget`, async (returns a job), sent by POST.
#[derive(Clone)]
#[must_use]
pub struct DeleteWidget(rt::Params);
impl DeleteWidget {
    /// Creates the request with its required parameters.
    /// - `id`: widget id
    #[allow(clippy::new_without_default, clippy::too_many_arguments)]
    pub fn new(id: impl Into<String>) -> Self {
        let mut p = rt::Params::new();
        p.set_text(0, id.into());
        Self(p)
    }
}
impl ::core::fmt::Debug for DeleteWidget {
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        rt::request::debug_request(f, &apis::DELETE_WIDGET, &self.0)
    }
}
impl rt::Request for DeleteWidget {
    type Response = types::Success;
    fn meta(&self) -> &'static rt::ApiMeta {
        &apis::DELETE_WIDGET
    }
    fn params(&self) -> &rt::Params {
        &self.0
    }
    fn params_mut(&mut self) -> &mut rt::Params {
        &mut self.0
    }
}
/// Duplicate parameter names, as some real dumps have
///
/// Command `getWidgetUsage`, sent by GET.
#[derive(Clone)]
#[must_use]
pub struct GetWidgetUsage(rt::Params);
impl GetWidgetUsage {
    /// Creates the request with its required parameters.
    /// - `zoneid`: the zone
    #[allow(clippy::new_without_default, clippy::too_many_arguments)]
    pub fn new(zoneid: impl Into<String>) -> Self {
        let mut p = rt::Params::new();
        p.set_text(1, zoneid.into());
        Self(p)
    }
    /// a name
    ///
    /// Wire name `name`, type `string`, at most 255 characters.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.0.set_text(0, name.into());
        self
    }
}
impl ::core::fmt::Debug for GetWidgetUsage {
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        rt::request::debug_request(f, &apis::GET_WIDGET_USAGE, &self.0)
    }
}
impl rt::Request for GetWidgetUsage {
    type Response = types::WidgetUsage;
    fn meta(&self) -> &'static rt::ApiMeta {
        &apis::GET_WIDGET_USAGE
    }
    fn params(&self) -> &rt::Params {
        &self.0
    }
    fn params_mut(&mut self) -> &mut rt::Params {
        &mut self.0
    }
}
/// Lists widgets
///
/// Command `listWidgets`, sent by GET.
#[derive(Clone)]
#[must_use]
pub struct ListWidgets(rt::Params);
impl ListWidgets {
    /// Creates the request; this command has no required parameters.
    #[allow(clippy::new_without_default, clippy::too_many_arguments)]
    pub fn new() -> Self {
        let p = rt::Params::new();
        Self(p)
    }
    /// by id
    ///
    /// Wire name `id`, type `uuid`.
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.0.set_text(0, id.into());
        self
    }
    /// by keyword
    ///
    /// Wire name `keyword`, type `string`, at most 255 characters.
    pub fn keyword(mut self, keyword: impl Into<String>) -> Self {
        self.0.set_text(1, keyword.into());
        self
    }
    /// `page`
    ///
    /// Wire name `page`, type `integer`.
    pub fn page(mut self, page: i32) -> Self {
        self.0.set_int(2, i64::from(page));
        self
    }
    /// `pagesize`
    ///
    /// Wire name `pagesize`, type `integer`.
    pub fn pagesize(mut self, pagesize: i32) -> Self {
        self.0.set_int(3, i64::from(pagesize));
        self
    }
    /// by tags
    ///
    /// Wire name `tags`, type `map`; each `(K, V)` is sent as `tags[i].key=K&tags[i].value=V`.
    pub fn tags(
        mut self,
        tags: impl IntoIterator<Item = (impl Into<String>, impl Into<String>)>,
    ) -> Self {
        self.0.set_pairs(4, tags);
        self
    }
}
impl ::core::fmt::Debug for ListWidgets {
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        rt::request::debug_request(f, &apis::LIST_WIDGETS, &self.0)
    }
}
impl rt::Request for ListWidgets {
    type Response = rt::List<types::Widget>;
    fn meta(&self) -> &'static rt::ApiMeta {
        &apis::LIST_WIDGETS
    }
    fn params(&self) -> &rt::Params {
        &self.0
    }
    fn params_mut(&mut self) -> &mut rt::Params {
        &mut self.0
    }
}
/// Session login
///
/// Command `login`, sent by POST.
#[derive(Clone)]
#[must_use]
pub struct Login(rt::Params);
impl Login {
    /// Creates the request with its required parameters.
    /// - `password`: pass
    /// - `username`: user
    #[allow(clippy::new_without_default, clippy::too_many_arguments)]
    pub fn new(password: impl Into<String>, username: impl Into<String>) -> Self {
        let mut p = rt::Params::new();
        p.set_text(0, password.into());
        p.set_text(1, username.into());
        Self(p)
    }
}
impl ::core::fmt::Debug for Login {
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        rt::request::debug_request(f, &apis::LOGIN, &self.0)
    }
}
impl rt::Request for Login {
    type Response = types::LoginResponse;
    fn meta(&self) -> &'static rt::ApiMeta {
        &apis::LOGIN
    }
    fn params(&self) -> &rt::Params {
        &self.0
    }
    fn params_mut(&mut self) -> &mut rt::Params {
        &mut self.0
    }
}
/// Closes a port of a group
///
/// Command `revokeSecurityGroupIngress`, async (returns a job), sent by POST.
#[derive(Clone)]
#[must_use]
pub struct RevokeSecurityGroupIngress(rt::Params);
impl RevokeSecurityGroupIngress {
    /// Creates the request with its required parameters.
    /// - `id`: the rule
    #[allow(clippy::new_without_default, clippy::too_many_arguments)]
    pub fn new(id: impl Into<String>) -> Self {
        let mut p = rt::Params::new();
        p.set_text(0, id.into());
        Self(p)
    }
}
impl ::core::fmt::Debug for RevokeSecurityGroupIngress {
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        rt::request::debug_request(f, &apis::REVOKE_SECURITY_GROUP_INGRESS, &self.0)
    }
}
impl rt::Request for RevokeSecurityGroupIngress {
    type Response = types::Success;
    fn meta(&self) -> &'static rt::ApiMeta {
        &apis::REVOKE_SECURITY_GROUP_INGRESS
    }
    fn params(&self) -> &rt::Params {
        &self.0
    }
    fn params_mut(&mut self) -> &mut rt::Params {
        &mut self.0
    }
}
/// `updateWidget` (its description is in the CloudStack API reference; this build has the facts only)
///
/// Command `updateWidget`, sent by POST.
#[derive(Clone)]
#[must_use]
pub struct UpdateWidget(rt::Params);
impl UpdateWidget {
    /// Creates the request with its required parameters.
    /// - `id`:
    #[allow(clippy::new_without_default, clippy::too_many_arguments)]
    pub fn new(id: impl Into<String>) -> Self {
        let mut p = rt::Params::new();
        p.set_text(1, id.into());
        Self(p)
    }
    /// `displaytext`
    ///
    /// Wire name `displaytext`, type `string`, at most 255 characters.
    pub fn displaytext(mut self, displaytext: impl Into<String>) -> Self {
        self.0.set_text(0, displaytext.into());
        self
    }
}
impl ::core::fmt::Debug for UpdateWidget {
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        rt::request::debug_request(f, &apis::UPDATE_WIDGET, &self.0)
    }
}
impl rt::Request for UpdateWidget {
    type Response = types::Empty;
    fn meta(&self) -> &'static rt::ApiMeta {
        &apis::UPDATE_WIDGET
    }
    fn params(&self) -> &rt::Params {
        &self.0
    }
    fn params_mut(&mut self) -> &mut rt::Params {
        &mut self.0
    }
}
/// Static descriptions of every API: parameters, types, limits, method, response kind.
pub mod apis {
    use super::{rt, types};
    /// `authorizeSecurityGroupIngress`
    pub static AUTHORIZE_SECURITY_GROUP_INGRESS: rt::ApiMeta = rt::ApiMeta::new(
        "authorizeSecurityGroupIngress",
        true,
        rt::HttpMethod::Post,
        rt::ResponseKind::Object,
        &[
            rt::ParamMeta::new(
                "securitygroupid",
                rt::ParamKind::Uuid,
                false,
                None,
                false,
            ),
            rt::ParamMeta::new("startport", rt::ParamKind::Integer, false, None, false),
            rt::ParamMeta::new(
                "usersecuritygrouplist",
                rt::ParamKind::Map(rt::MapShape::Pairs {
                    key: "account",
                    value: "group",
                }),
                false,
                None,
                false,
            ),
        ],
        <types::SecurityGroupIngress as rt::FromObject>::FIELDS,
    );
    /// `createWidget`
    pub static CREATE_WIDGET: rt::ApiMeta = rt::ApiMeta::new(
        "createWidget",
        true,
        rt::HttpMethod::Post,
        rt::ResponseKind::Object,
        &[
            rt::ParamMeta::new("count", rt::ParamKind::Integer, false, None, false),
            rt::ParamMeta::new(
                "details",
                rt::ParamKind::Map(rt::MapShape::Flat),
                false,
                None,
                false,
            ),
            rt::ParamMeta::new("domainId", rt::ParamKind::Uuid, false, None, false),
            rt::ParamMeta::new("enabled", rt::ParamKind::Boolean, false, None, false),
            rt::ParamMeta::new("expires", rt::ParamKind::TzDate, false, None, false),
            rt::ParamMeta::new("ids", rt::ParamKind::List, false, None, false),
            rt::ParamMeta::new(
                "iptonetworklist",
                rt::ParamKind::Map(rt::MapShape::Entries),
                false,
                None,
                false,
            ),
            rt::ParamMeta::new("level", rt::ParamKind::Short, false, None, false),
            rt::ParamMeta::new("name", rt::ParamKind::String, true, Some(64), false),
            rt::ParamMeta::new(
                "password",
                rt::ParamKind::String,
                false,
                Some(255),
                true,
            ),
            rt::ParamMeta::new("payload", rt::ParamKind::Other, false, Some(255), false),
            rt::ParamMeta::new("ratio", rt::ParamKind::Float, false, None, false),
            rt::ParamMeta::new(
                "serviceproviderlist",
                rt::ParamKind::Map(rt::MapShape::Pairs {
                    key: "service",
                    value: "provider",
                }),
                false,
                None,
                false,
            ),
            rt::ParamMeta::new("size", rt::ParamKind::Long, false, None, false),
            rt::ParamMeta::new("startdate", rt::ParamKind::Date, false, None, false),
            rt::ParamMeta::new(
                "tags",
                rt::ParamKind::Map(rt::MapShape::Pairs {
                    key: "key",
                    value: "value",
                }),
                false,
                None,
                false,
            ),
            rt::ParamMeta::new("type", rt::ParamKind::String, false, Some(255), false),
            rt::ParamMeta::new("weight", rt::ParamKind::Double, false, None, false),
            rt::ParamMeta::new("zoneid", rt::ParamKind::Uuid, true, None, false),
        ],
        <types::Widget as rt::FromObject>::FIELDS,
    );
    /// `deleteWidget`
    pub static DELETE_WIDGET: rt::ApiMeta = rt::ApiMeta::new(
        "deleteWidget",
        true,
        rt::HttpMethod::Post,
        rt::ResponseKind::Object,
        &[rt::ParamMeta::new("id", rt::ParamKind::Uuid, true, None, false)],
        <types::Success as rt::FromObject>::FIELDS,
    );
    /// `getWidgetUsage`
    pub static GET_WIDGET_USAGE: rt::ApiMeta = rt::ApiMeta::new(
        "getWidgetUsage",
        false,
        rt::HttpMethod::Get,
        rt::ResponseKind::Object,
        &[
            rt::ParamMeta::new("name", rt::ParamKind::String, false, Some(255), false),
            rt::ParamMeta::new("zoneid", rt::ParamKind::Uuid, true, None, false),
        ],
        <types::WidgetUsage as rt::FromObject>::FIELDS,
    );
    /// `listWidgets`
    pub static LIST_WIDGETS: rt::ApiMeta = rt::ApiMeta::new(
        "listWidgets",
        false,
        rt::HttpMethod::Get,
        rt::ResponseKind::List,
        &[
            rt::ParamMeta::new("id", rt::ParamKind::Uuid, false, None, false),
            rt::ParamMeta::new(
                "keyword",
                rt::ParamKind::String,
                false,
                Some(255),
                false,
            ),
            rt::ParamMeta::new("page", rt::ParamKind::Integer, false, None, false),
            rt::ParamMeta::new("pagesize", rt::ParamKind::Integer, false, None, false),
            rt::ParamMeta::new(
                "tags",
                rt::ParamKind::Map(rt::MapShape::Pairs {
                    key: "key",
                    value: "value",
                }),
                false,
                None,
                false,
            ),
        ],
        <types::Widget as rt::FromObject>::FIELDS,
    );
    /// `login`
    pub static LOGIN: rt::ApiMeta = rt::ApiMeta::new(
        "login",
        false,
        rt::HttpMethod::Post,
        rt::ResponseKind::Object,
        &[
            rt::ParamMeta::new("password", rt::ParamKind::String, true, Some(255), true),
            rt::ParamMeta::new("username", rt::ParamKind::String, true, Some(255), false),
        ],
        <types::LoginResponse as rt::FromObject>::FIELDS,
    );
    /// `revokeSecurityGroupIngress`
    pub static REVOKE_SECURITY_GROUP_INGRESS: rt::ApiMeta = rt::ApiMeta::new(
        "revokeSecurityGroupIngress",
        true,
        rt::HttpMethod::Post,
        rt::ResponseKind::Object,
        &[rt::ParamMeta::new("id", rt::ParamKind::Uuid, true, None, false)],
        <types::Success as rt::FromObject>::FIELDS,
    );
    /// `updateWidget`
    pub static UPDATE_WIDGET: rt::ApiMeta = rt::ApiMeta::new(
        "updateWidget",
        false,
        rt::HttpMethod::Post,
        rt::ResponseKind::Object,
        &[
            rt::ParamMeta::new(
                "displaytext",
                rt::ParamKind::String,
                false,
                Some(255),
                false,
            ),
            rt::ParamMeta::new("id", rt::ParamKind::Uuid, true, None, false),
        ],
        <types::Empty as rt::FromObject>::FIELDS,
    );
    /// Every API, sorted by command name.
    pub static ALL: [&rt::ApiMeta; 8] = [
        &AUTHORIZE_SECURITY_GROUP_INGRESS,
        &CREATE_WIDGET,
        &DELETE_WIDGET,
        &GET_WIDGET_USAGE,
        &LIST_WIDGETS,
        &LOGIN,
        &REVOKE_SECURITY_GROUP_INGRESS,
        &UPDATE_WIDGET,
    ];
}
/// Response types: one struct per distinct response shape, and an alias per API.
pub mod types {
    use super::rt;
    /// Returned by `updateWidget`.
    #[derive(Debug, Clone)]
    #[non_exhaustive]
    pub struct Empty {
        /// Attributes the API description does not list, and values that did not fit their declared type.
        pub extra: rt::Object,
    }
    impl rt::FromObject for Empty {
        const FIELDS: &'static [&'static str] = &[];
        fn from_object(o: rt::Object) -> Self {
            Self { extra: o }
        }
    }
    /// Returned by `deleteWidget`, `revokeSecurityGroupIngress`.
    #[derive(Debug, Clone)]
    #[non_exhaustive]
    pub struct Success {
        /// any text (`displaytext`, string)
        pub displaytext: Option<String>,
        /// whether it worked (`success`, boolean)
        pub success: Option<bool>,
        /// Attributes the API description does not list, and values that did not fit their declared type.
        pub extra: rt::Object,
    }
    impl rt::FromObject for Success {
        const FIELDS: &'static [&'static str] = &["displaytext", "success"];
        fn from_object(mut o: rt::Object) -> Self {
            Self {
                displaytext: rt::decode::take_string(&mut o, "displaytext"),
                success: rt::decode::take_bool(&mut o, "success"),
                extra: o,
            }
        }
    }
    /// Returned by `createWidget`, `listWidgets`.
    #[derive(Debug, Clone)]
    #[non_exhaustive]
    pub struct Widget {
        /// per-day counts (`counts`, long[])
        pub counts: Option<Vec<i64>>,
        /// creation date (`created`, date)
        pub created: Option<String>,
        /// free-form details (`details`, map)
        pub details: Option<rt::Value>,
        /// enabled flag (`enabled`, boolean)
        pub enabled: Option<bool>,
        /// the id (`id`, string)
        pub id: Option<String>,
        /// job id (`jobid`, string)
        pub jobid: Option<String>,
        /// job status (`jobstatus`, integer)
        pub jobstatus: Option<i64>,
        /// the name (`name`, string)
        pub name: Option<String>,
        /// the nics (`nic`, list)
        pub nic: Vec<Nic>,
        /// the ratio (`ratio`, float)
        pub ratio: Option<f64>,
        /// the size (`size`, long)
        pub size: Option<i64>,
        /// the tags (`tags`, set)
        pub tags: Vec<Tag>,
        /// Attributes the API description does not list, and values that did not fit their declared type.
        pub extra: rt::Object,
    }
    impl rt::FromObject for Widget {
        const FIELDS: &'static [&'static str] = &[
            "counts",
            "created",
            "details",
            "enabled",
            "id",
            "jobid",
            "jobstatus",
            "name",
            "nic",
            "ratio",
            "size",
            "tags",
        ];
        fn from_object(mut o: rt::Object) -> Self {
            Self {
                counts: rt::decode::take_i64s(&mut o, "counts"),
                created: rt::decode::take_string(&mut o, "created"),
                details: rt::decode::take_value(&mut o, "details"),
                enabled: rt::decode::take_bool(&mut o, "enabled"),
                id: rt::decode::take_string(&mut o, "id"),
                jobid: rt::decode::take_string(&mut o, "jobid"),
                jobstatus: rt::decode::take_i64(&mut o, "jobstatus"),
                name: rt::decode::take_string(&mut o, "name"),
                nic: rt::decode::take_objects(&mut o, "nic"),
                ratio: rt::decode::take_f64(&mut o, "ratio"),
                size: rt::decode::take_i64(&mut o, "size"),
                tags: rt::decode::take_objects(&mut o, "tags"),
                extra: o,
            }
        }
    }
    /// Returned by `authorizeSecurityGroupIngress`.
    #[derive(Debug, Clone)]
    #[non_exhaustive]
    pub struct SecurityGroupIngress {
        /// the rule (`ruleid`, string)
        pub ruleid: Option<String>,
        /// first port (`startport`, integer)
        pub startport: Option<i64>,
        /// Attributes the API description does not list, and values that did not fit their declared type.
        pub extra: rt::Object,
    }
    impl rt::FromObject for SecurityGroupIngress {
        const FIELDS: &'static [&'static str] = &["ruleid", "startport"];
        fn from_object(mut o: rt::Object) -> Self {
            Self {
                ruleid: rt::decode::take_string(&mut o, "ruleid"),
                startport: rt::decode::take_i64(&mut o, "startport"),
                extra: o,
            }
        }
    }
    /// Returned by `getWidgetUsage`.
    #[derive(Debug, Clone)]
    #[non_exhaustive]
    pub struct WidgetUsage {
        /// usage number (`usage`, int)
        pub usage: Option<i64>,
        /// zone, as a number in some servers (`zoneid`, long)
        pub zoneid: Option<i64>,
        /// Attributes the API description does not list, and values that did not fit their declared type.
        pub extra: rt::Object,
    }
    impl rt::FromObject for WidgetUsage {
        const FIELDS: &'static [&'static str] = &["usage", "zoneid"];
        fn from_object(mut o: rt::Object) -> Self {
            Self {
                usage: rt::decode::take_i64(&mut o, "usage"),
                zoneid: rt::decode::take_i64(&mut o, "zoneid"),
                extra: o,
            }
        }
    }
    /// Returned by `login`.
    #[derive(Debug, Clone)]
    #[non_exhaustive]
    pub struct LoginResponse {
        /// session key (`sessionkey`, string)
        pub sessionkey: Option<String>,
        /// timeout (`timeout`, int)
        pub timeout: Option<i64>,
        /// Attributes the API description does not list, and values that did not fit their declared type.
        pub extra: rt::Object,
    }
    impl rt::FromObject for LoginResponse {
        const FIELDS: &'static [&'static str] = &["sessionkey", "timeout"];
        fn from_object(mut o: rt::Object) -> Self {
            Self {
                sessionkey: rt::decode::take_string(&mut o, "sessionkey"),
                timeout: rt::decode::take_i64(&mut o, "timeout"),
                extra: o,
            }
        }
    }
    /// Nested in `Widget.nic`.
    #[derive(Debug, Clone)]
    #[non_exhaustive]
    pub struct Nic {
        /// nic id (`id`, string)
        pub id: Option<String>,
        /// nic address (`ipaddress`, string)
        pub ipaddress: Option<String>,
        /// extra addresses (`secondaryip`, set)
        pub secondaryip: Vec<Secondaryip>,
        /// Attributes the API description does not list, and values that did not fit their declared type.
        pub extra: rt::Object,
    }
    impl rt::FromObject for Nic {
        const FIELDS: &'static [&'static str] = &["id", "ipaddress", "secondaryip"];
        fn from_object(mut o: rt::Object) -> Self {
            Self {
                id: rt::decode::take_string(&mut o, "id"),
                ipaddress: rt::decode::take_string(&mut o, "ipaddress"),
                secondaryip: rt::decode::take_objects(&mut o, "secondaryip"),
                extra: o,
            }
        }
    }
    /// Nested in `Widget.tags`, `Secondaryip.tags`.
    #[derive(Debug, Clone)]
    #[non_exhaustive]
    pub struct Tag {
        /// tag key (`key`, string)
        pub key: Option<String>,
        /// tag value (`value`, string)
        pub value: Option<String>,
        /// Attributes the API description does not list, and values that did not fit their declared type.
        pub extra: rt::Object,
    }
    impl rt::FromObject for Tag {
        const FIELDS: &'static [&'static str] = &["key", "value"];
        fn from_object(mut o: rt::Object) -> Self {
            Self {
                key: rt::decode::take_string(&mut o, "key"),
                value: rt::decode::take_string(&mut o, "value"),
                extra: o,
            }
        }
    }
    /// Nested in `Nic.secondaryip`.
    #[derive(Debug, Clone)]
    #[non_exhaustive]
    pub struct Secondaryip {
        /// address id (`id`, string)
        pub id: Option<String>,
        /// the address (`ipaddress`, string)
        pub ipaddress: Option<String>,
        /// address tags (`tags`, set)
        pub tags: Vec<Tag>,
        /// Attributes the API description does not list, and values that did not fit their declared type.
        pub extra: rt::Object,
    }
    impl rt::FromObject for Secondaryip {
        const FIELDS: &'static [&'static str] = &["id", "ipaddress", "tags"];
        fn from_object(mut o: rt::Object) -> Self {
            Self {
                id: rt::decode::take_string(&mut o, "id"),
                ipaddress: rt::decode::take_string(&mut o, "ipaddress"),
                tags: rt::decode::take_objects(&mut o, "tags"),
                extra: o,
            }
        }
    }
    /// What `authorizeSecurityGroupIngress` returns.
    pub type AuthorizeSecurityGroupIngressResponse = SecurityGroupIngress;
    /// What `createWidget` returns.
    pub type CreateWidgetResponse = Widget;
    /// What `deleteWidget` returns.
    pub type DeleteWidgetResponse = Success;
    /// What `getWidgetUsage` returns.
    pub type GetWidgetUsageResponse = WidgetUsage;
    /// What `listWidgets` returns.
    pub type ListWidgetsResponse = rt::List<Widget>;
    /// What `revokeSecurityGroupIngress` returns.
    pub type RevokeSecurityGroupIngressResponse = Success;
    /// What `updateWidget` returns.
    pub type UpdateWidgetResponse = Empty;
}
/// Resource types with a create/delete pair: their descriptions ([`participants::ALL`]) and
/// a typed resource per type for stacks built in Rust (`participants::VirtualMachine`, ...).
pub mod participants {
    use super::{apis, rt};
    /// Every participant, sorted by type name.
    pub static ALL: [rt::ParticipantSpec; 2] = [
        rt::ParticipantSpec::new(
            "CloudStack::SecurityGroupIngress",
            &apis::AUTHORIZE_SECURITY_GROUP_INGRESS,
            &apis::REVOKE_SECURITY_GROUP_INGRESS,
            &[
                rt::DeleteKey::new(
                    "id",
                    &[
                        rt::KeySource::Attribute("ruleid"),
                        rt::KeySource::Attribute("ingressrule.0.ruleid"),
                    ],
                    true,
                ),
            ],
            &[],
            &[
                rt::AttributeMeta::new("ruleid", "string", &[]),
                rt::AttributeMeta::new("startport", "integer", &[]),
            ],
            Some("SecurityGroupRule"),
            rt::PairOrigin::Curated,
            &[
                rt::PropertyUpdate::new(
                    "securitygroupid",
                    rt::UpdateEffect::Replacement,
                    None,
                    "",
                ),
                rt::PropertyUpdate::new(
                    "startport",
                    rt::UpdateEffect::Replacement,
                    None,
                    "",
                ),
                rt::PropertyUpdate::new(
                    "usersecuritygrouplist",
                    rt::UpdateEffect::Replacement,
                    None,
                    "",
                ),
            ],
        ),
        rt::ParticipantSpec::new(
            "CloudStack::Widget",
            &apis::CREATE_WIDGET,
            &apis::DELETE_WIDGET,
            &[rt::DeleteKey::new("id", &[rt::KeySource::Attribute("id")], true)],
            &[],
            &[
                rt::AttributeMeta::new("counts", "long[]", &[]),
                rt::AttributeMeta::new("created", "date", &[]),
                rt::AttributeMeta::new("details", "map", &[]),
                rt::AttributeMeta::new("enabled", "boolean", &[]),
                rt::AttributeMeta::new("id", "string", &[]),
                rt::AttributeMeta::new("jobid", "string", &[]),
                rt::AttributeMeta::new("jobstatus", "integer", &[]),
                rt::AttributeMeta::new("name", "string", &[]),
                rt::AttributeMeta::new(
                    "nic",
                    "list",
                    &[
                        rt::AttributeMeta::new("id", "string", &[]),
                        rt::AttributeMeta::new("ipaddress", "string", &[]),
                        rt::AttributeMeta::new(
                            "secondaryip",
                            "set",
                            &[
                                rt::AttributeMeta::new("id", "string", &[]),
                                rt::AttributeMeta::new("ipaddress", "string", &[]),
                                rt::AttributeMeta::new(
                                    "tags",
                                    "set",
                                    &[
                                        rt::AttributeMeta::new("key", "string", &[]),
                                        rt::AttributeMeta::new("value", "string", &[]),
                                    ],
                                ),
                            ],
                        ),
                    ],
                ),
                rt::AttributeMeta::new("ratio", "float", &[]),
                rt::AttributeMeta::new("size", "long", &[]),
                rt::AttributeMeta::new(
                    "tags",
                    "set",
                    &[
                        rt::AttributeMeta::new("key", "string", &[]),
                        rt::AttributeMeta::new("value", "string", &[]),
                    ],
                ),
            ],
            None,
            rt::PairOrigin::NamingRule,
            &[
                rt::PropertyUpdate::new(
                    "count",
                    rt::UpdateEffect::Replacement,
                    None,
                    "",
                ),
                rt::PropertyUpdate::new(
                    "details",
                    rt::UpdateEffect::Replacement,
                    None,
                    "",
                ),
                rt::PropertyUpdate::new(
                    "domainId",
                    rt::UpdateEffect::Replacement,
                    None,
                    "",
                ),
                rt::PropertyUpdate::new(
                    "enabled",
                    rt::UpdateEffect::Replacement,
                    None,
                    "",
                ),
                rt::PropertyUpdate::new(
                    "expires",
                    rt::UpdateEffect::Replacement,
                    None,
                    "",
                ),
                rt::PropertyUpdate::new("ids", rt::UpdateEffect::Replacement, None, ""),
                rt::PropertyUpdate::new(
                    "iptonetworklist",
                    rt::UpdateEffect::Replacement,
                    None,
                    "",
                ),
                rt::PropertyUpdate::new(
                    "level",
                    rt::UpdateEffect::Replacement,
                    None,
                    "",
                ),
                rt::PropertyUpdate::new("name", rt::UpdateEffect::Replacement, None, ""),
                rt::PropertyUpdate::new(
                    "password",
                    rt::UpdateEffect::Replacement,
                    None,
                    "",
                ),
                rt::PropertyUpdate::new(
                    "payload",
                    rt::UpdateEffect::Replacement,
                    None,
                    "",
                ),
                rt::PropertyUpdate::new(
                    "ratio",
                    rt::UpdateEffect::Replacement,
                    None,
                    "",
                ),
                rt::PropertyUpdate::new(
                    "serviceproviderlist",
                    rt::UpdateEffect::Replacement,
                    None,
                    "",
                ),
                rt::PropertyUpdate::new("size", rt::UpdateEffect::Replacement, None, ""),
                rt::PropertyUpdate::new(
                    "startdate",
                    rt::UpdateEffect::Replacement,
                    None,
                    "",
                ),
                rt::PropertyUpdate::new("tags", rt::UpdateEffect::Replacement, None, ""),
                rt::PropertyUpdate::new("type", rt::UpdateEffect::Replacement, None, ""),
                rt::PropertyUpdate::new(
                    "weight",
                    rt::UpdateEffect::Replacement,
                    None,
                    "",
                ),
                rt::PropertyUpdate::new(
                    "zoneid",
                    rt::UpdateEffect::Replacement,
                    None,
                    "",
                ),
            ],
        ),
    ];
    /// `CloudStack::SecurityGroupIngress` in a typed stack: required create parameters in [`SecurityGroupIngress::new`], optional ones as setters, attributes as `attr_*` references, its id as `reference()` (from `rt::typed::Typed`).
    #[derive(Debug, Clone)]
    #[must_use]
    pub struct SecurityGroupIngress(rt::typed::Resource);
    impl SecurityGroupIngress {
        /// The type name in templates.
        pub const TYPE: &'static str = "CloudStack::SecurityGroupIngress";
        /// A `CloudStack::SecurityGroupIngress` named `logical` in the stack (made with `authorizeSecurityGroupIngress`, removed with `revokeSecurityGroupIngress`), with the create call's required parameters.
        #[allow(clippy::too_many_arguments)]
        pub fn new(logical: impl Into<String>) -> Self {
            let r = rt::typed::Resource::new(Self::TYPE, logical);
            Self(r)
        }
        /// the group
        ///
        /// Wire name `securitygroupid`, type `uuid`.
        pub fn securitygroupid(
            mut self,
            securitygroupid: impl Into<rt::typed::Val<rt::typed::AnyId>>,
        ) -> Self {
            self.0
                .set(
                    "securitygroupid",
                    <rt::typed::Val<rt::typed::AnyId>>::erase(securitygroupid.into()),
                );
            self
        }
        /// first port
        ///
        /// Wire name `startport`, type `integer`.
        pub fn startport(mut self, startport: impl Into<rt::typed::Val<i32>>) -> Self {
            self.0.set("startport", <rt::typed::Val<i32>>::erase(startport.into()));
            self
        }
        /// account/group pairs
        ///
        /// Wire name `usersecuritygrouplist`, type `map`; each `(K, V)` is sent as `usersecuritygrouplist[i].account=K&usersecuritygrouplist[i].group=V`.
        pub fn usersecuritygrouplist(
            mut self,
            usersecuritygrouplist: impl IntoIterator<
                Item = (impl Into<String>, impl Into<rt::typed::Val<String>>),
            >,
        ) -> Self {
            self.0.set("usersecuritygrouplist", rt::typed::pairs(usersecuritygrouplist));
            self
        }
        /// `Fn::GetAtt` of attribute `ruleid`.
        pub fn attr_ruleid(&self) -> rt::typed::Att<String> {
            self.0.att("ruleid")
        }
        /// `Fn::GetAtt` of attribute `startport`.
        pub fn attr_startport(&self) -> rt::typed::Att<i64> {
            self.0.att("startport")
        }
    }
    impl rt::typed::Typed for SecurityGroupIngress {
        fn resource(&self) -> &rt::typed::Resource {
            &self.0
        }
        fn resource_mut(&mut self) -> &mut rt::typed::Resource {
            &mut self.0
        }
    }
    impl From<SecurityGroupIngress> for rt::typed::Resource {
        fn from(t: SecurityGroupIngress) -> Self {
            t.0
        }
    }
    /// `CloudStack::Widget` in a typed stack: required create parameters in [`Widget::new`], optional ones as setters, attributes as `attr_*` references, its id as `reference()` (from `rt::typed::Typed`).
    #[derive(Debug, Clone)]
    #[must_use]
    pub struct Widget(rt::typed::Resource);
    impl Widget {
        /// The type name in templates.
        pub const TYPE: &'static str = "CloudStack::Widget";
        /// A `CloudStack::Widget` named `logical` in the stack (made with `createWidget`, removed with `deleteWidget`), with the create call's required parameters.
        /// - `name`: `name`
        /// - `zoneid`: `zoneid`
        #[allow(clippy::too_many_arguments)]
        pub fn new(
            logical: impl Into<String>,
            name: impl Into<rt::typed::Val<String>>,
            zoneid: impl Into<rt::typed::Val<rt::typed::AnyId>>,
        ) -> Self {
            let mut r = rt::typed::Resource::new(Self::TYPE, logical);
            r.set("name", <rt::typed::Val<String>>::erase(name.into()));
            r.set("zoneid", <rt::typed::Val<rt::typed::AnyId>>::erase(zoneid.into()));
            Self(r)
        }
        /// how many
        ///
        /// Wire name `count`, type `integer`.
        pub fn count(mut self, count: impl Into<rt::typed::Val<i32>>) -> Self {
            self.0.set("count", <rt::typed::Val<i32>>::erase(count.into()));
            self
        }
        /// flat details
        ///
        /// Wire name `details`, type `map`; each `(K, V)` is sent as `details[0].K=V`.
        pub fn details(
            mut self,
            details: impl IntoIterator<
                Item = (impl Into<String>, impl Into<rt::typed::Val<String>>),
            >,
        ) -> Self {
            self.0.set("details", rt::typed::pairs(details));
            self
        }
        /// camelCase parameter
        ///
        /// Wire name `domainId`, type `uuid`.
        pub fn domain_id(
            mut self,
            domain_id: impl Into<rt::typed::Val<rt::typed::AnyId>>,
        ) -> Self {
            self.0
                .set(
                    "domainId",
                    <rt::typed::Val<rt::typed::AnyId>>::erase(domain_id.into()),
                );
            self
        }
        /// on or off
        ///
        /// Wire name `enabled`, type `boolean`.
        pub fn enabled(mut self, enabled: impl Into<rt::typed::Val<bool>>) -> Self {
            self.0.set("enabled", <rt::typed::Val<bool>>::erase(enabled.into()));
            self
        }
        /// expiry instant
        ///
        /// Wire name `expires`, type `tzdate`.
        pub fn expires(mut self, expires: impl Into<rt::typed::Val<rt::Date>>) -> Self {
            self.0.set("expires", <rt::typed::Val<rt::Date>>::erase(expires.into()));
            self
        }
        /// ids of friends
        ///
        /// Wire name `ids`, type `list`, sent comma-joined.
        pub fn ids(
            mut self,
            ids: impl IntoIterator<Item = impl Into<rt::typed::Val<rt::typed::AnyId>>>,
        ) -> Self {
            self.0
                .set(
                    "ids",
                    rt::typed::list(
                        ids
                            .into_iter()
                            .map(|x| <rt::typed::Val<rt::typed::AnyId>>::erase(x.into())),
                    ),
                );
            self
        }
        /// ip to network entries
        ///
        /// Wire name `iptonetworklist`, type `map`; entry `i` with fields `(F, V)` is sent as `iptonetworklist[i].F=V`.
        pub fn iptonetworklist(
            mut self,
            iptonetworklist: impl IntoIterator<
                Item = impl IntoIterator<
                    Item = (impl Into<String>, impl Into<rt::typed::Val<String>>),
                >,
            >,
        ) -> Self {
            self.0.set("iptonetworklist", rt::typed::entries(iptonetworklist));
            self
        }
        /// a short level
        ///
        /// Wire name `level`, type `short`.
        pub fn level(mut self, level: impl Into<rt::typed::Val<i16>>) -> Self {
            self.0.set("level", <rt::typed::Val<i16>>::erase(level.into()));
            self
        }
        /// a secret
        ///
        /// Wire name `password`, type `string`, at most 255 characters. Secret: never logged.
        pub fn password(mut self, password: impl Into<rt::typed::Val<String>>) -> Self {
            self.0.set("password", <rt::typed::Val<String>>::erase(password.into()));
            self
        }
        /// object-typed parameter
        ///
        /// Wire name `payload`, type `object`, at most 255 characters.
        pub fn payload(mut self, payload: impl Into<rt::typed::Val<String>>) -> Self {
            self.0.set("payload", <rt::typed::Val<String>>::erase(payload.into()));
            self
        }
        /// a float ratio
        ///
        /// Wire name `ratio`, type `float`.
        pub fn ratio(mut self, ratio: impl Into<rt::typed::Val<f32>>) -> Self {
            self.0.set("ratio", <rt::typed::Val<f32>>::erase(ratio.into()));
            self
        }
        /// service to provider pairs
        ///
        /// Wire name `serviceproviderlist`, type `map`; each `(K, V)` is sent as `serviceproviderlist[i].service=K&serviceproviderlist[i].provider=V`.
        pub fn serviceproviderlist(
            mut self,
            serviceproviderlist: impl IntoIterator<
                Item = (impl Into<String>, impl Into<rt::typed::Val<String>>),
            >,
        ) -> Self {
            self.0.set("serviceproviderlist", rt::typed::pairs(serviceproviderlist));
            self
        }
        /// size in bytes
        ///
        /// Wire name `size`, type `long`.
        pub fn size(mut self, size: impl Into<rt::typed::Val<i64>>) -> Self {
            self.0.set("size", <rt::typed::Val<i64>>::erase(size.into()));
            self
        }
        /// first day
        ///
        /// Wire name `startdate`, type `date`.
        pub fn startdate(
            mut self,
            startdate: impl Into<rt::typed::Val<rt::Date>>,
        ) -> Self {
            self.0.set("startdate", <rt::typed::Val<rt::Date>>::erase(startdate.into()));
            self
        }
        /// key/value tags
        ///
        /// Wire name `tags`, type `map`; each `(K, V)` is sent as `tags[i].key=K&tags[i].value=V`.
        pub fn tags(
            mut self,
            tags: impl IntoIterator<
                Item = (impl Into<String>, impl Into<rt::typed::Val<String>>),
            >,
        ) -> Self {
            self.0.set("tags", rt::typed::pairs(tags));
            self
        }
        /// keyword-named parameter
        ///
        /// Wire name `type`, type `string`, at most 255 characters.
        pub fn type_(mut self, type_: impl Into<rt::typed::Val<String>>) -> Self {
            self.0.set("type", <rt::typed::Val<String>>::erase(type_.into()));
            self
        }
        /// a double weight
        ///
        /// Wire name `weight`, type `double`.
        pub fn weight(mut self, weight: impl Into<rt::typed::Val<f64>>) -> Self {
            self.0.set("weight", <rt::typed::Val<f64>>::erase(weight.into()));
            self
        }
        /// `Fn::GetAtt` of attribute `counts`.
        pub fn attr_counts(&self) -> rt::typed::Att<rt::Value> {
            self.0.att("counts")
        }
        /// `Fn::GetAtt` of attribute `created`.
        pub fn attr_created(&self) -> rt::typed::Att<String> {
            self.0.att("created")
        }
        /// `Fn::GetAtt` of attribute `details`.
        pub fn attr_details(&self) -> rt::typed::Att<rt::Value> {
            self.0.att("details")
        }
        /// `Fn::GetAtt` of attribute `enabled`.
        pub fn attr_enabled(&self) -> rt::typed::Att<bool> {
            self.0.att("enabled")
        }
        /// `Fn::GetAtt` of attribute `id`.
        pub fn attr_id(&self) -> rt::typed::Att<String> {
            self.0.att("id")
        }
        /// `Fn::GetAtt` of attribute `jobid`.
        pub fn attr_jobid(&self) -> rt::typed::Att<String> {
            self.0.att("jobid")
        }
        /// `Fn::GetAtt` of attribute `jobstatus`.
        pub fn attr_jobstatus(&self) -> rt::typed::Att<i64> {
            self.0.att("jobstatus")
        }
        /// `Fn::GetAtt` of attribute `name`.
        pub fn attr_name(&self) -> rt::typed::Att<String> {
            self.0.att("name")
        }
        /// `Fn::GetAtt` of attribute `nic`.
        pub fn attr_nic(&self) -> rt::typed::Att<rt::Value> {
            self.0.att("nic")
        }
        /// `Fn::GetAtt` of attribute `ratio`.
        pub fn attr_ratio(&self) -> rt::typed::Att<f64> {
            self.0.att("ratio")
        }
        /// `Fn::GetAtt` of attribute `size`.
        pub fn attr_size(&self) -> rt::typed::Att<i64> {
            self.0.att("size")
        }
        /// `Fn::GetAtt` of attribute `tags`.
        pub fn attr_tags(&self) -> rt::typed::Att<rt::Value> {
            self.0.att("tags")
        }
    }
    impl rt::typed::Typed for Widget {
        fn resource(&self) -> &rt::typed::Resource {
            &self.0
        }
        fn resource_mut(&mut self) -> &mut rt::typed::Resource {
            &mut self.0
        }
    }
    impl From<Widget> for rt::typed::Resource {
        fn from(t: Widget) -> Self {
            t.0
        }
    }
}
