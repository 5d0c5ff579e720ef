"""Drives the simulator with the unmodified Python `cs` client (pip install cs).

Reads CLOUDSTACK_ENDPOINT, CLOUDSTACK_KEY and CLOUDSTACK_SECRET; prints one line per step and exits
non-zero on the first failure.
"""
import os

import steps
from steps import step

from cs import CloudStack, CloudStackApiException

api = CloudStack(
    endpoint=os.environ["CLOUDSTACK_ENDPOINT"],
    key=os.environ["CLOUDSTACK_KEY"],
    secret=os.environ["CLOUDSTACK_SECRET"],
    fetch_result=True,
    poll_interval=0.05,
    job_timeout=30,
)


zones = api.listZones()["zone"]
step("listZones", zones[0]["name"] == "Sandbox-simulator", zones)
templates = api.listTemplates(templatefilter="featured")["template"]
offerings = api.listServiceOfferings()["serviceoffering"]
disks = api.listDiskOfferings()["diskoffering"]
step("listTemplates/ServiceOfferings/DiskOfferings", templates and offerings and disks)

sg = api.createSecurityGroup(name="cs-peer", description="from the cs client")["securitygroup"]
step("createSecurityGroup", sg["name"] == "cs-peer", sg)
rule = api.authorizeSecurityGroupIngress(
    securitygroupid=sg["id"], protocol="tcp", startport=22, endport=22, cidrlist="0.0.0.0/0"
)
step("authorizeSecurityGroupIngress (async)", rule["securitygroup"]["ingressrule"][0]["startport"] == 22, rule)

vm = api.deployVirtualMachine(
    serviceofferingid=offerings[0]["id"],
    templateid=templates[0]["id"],
    zoneid=zones[0]["id"],
    securitygroupids=[sg["id"]],
    name="cs-peer-vm",
    displayname="peer test vm with spaces and * and / chars",
)["virtualmachine"]
step("deployVirtualMachine (async)", vm["name"] == "cs-peer-vm", vm)
listed = api.listVirtualMachines(id=vm["id"])["virtualmachine"]
step("listVirtualMachines shows Running", listed[0]["state"] == "Running", listed)

api.createTags(resourceids=vm["id"], resourcetype="UserVm", tags=[{"key": "peer", "value": "cs"}])
tags = api.listTags(resourceid=vm["id"])
step("createTags + listTags", tags["count"] == 1 and tags["tag"][0]["value"] == "cs", tags)
tagged = api.listVirtualMachines(tags=[{"key": "peer", "value": "cs"}])
step("list filtered by tag", tagged["count"] == 1, tagged)

for i in range(12):
    api.createInstanceGroup(name=f"peer-group-{i}")
groups = api.listInstanceGroups(fetch_list=True, pagesize=5)
step("paging with fetch_list (pagesize 5)", len(groups) == 12, len(groups))

try:
    api.deployVirtualMachine(serviceofferingid=offerings[0]["id"], templateid=templates[0]["id"])
    step("missing zoneid is refused", False)
except CloudStackApiException as e:
    step(
        "missing zoneid gives 431",
        e.error["errorcode"] == 431
        and e.error["errortext"] == "Unable to execute API command deployvirtualmachine due to missing parameter zoneid",
        e.error,
    )

api.destroyVirtualMachine(id=vm["id"], expunge=True)
api.deleteSecurityGroup(id=sg["id"])
for g in groups:
    api.deleteInstanceGroup(id=g["id"])
step("destroy and delete", True)
step("nothing left: VMs", api.listVirtualMachines() == {})
step("nothing left: security groups", api.listSecurityGroups(securitygroupname="cs-peer") == {})
step("nothing left: instance groups", api.listInstanceGroups() == {})
print(f"cs peer: {steps.count} passed, 0 failed")
