from exportctl import access


def roles(request) -> dict:
    """What the navigation may offer, asked of the one access module (never role names in a
    template): ``may.<area>`` is true when the person may use that area."""
    user = getattr(request, "user", None)
    may = {
        "file": access.is_firm_user(user),
        "administer_firm": access.is_firm_admin(user),
        "review": access.is_reviewer(user),
        "read_ministry_records": access.is_ministry_reader(user),
        "read_enforcement": access.is_enforcement_reader(user),
        "audit": access.is_auditor(user),
        "manage_lists": access.is_list_manager(user),
    }
    return {"user_roles": access.has_any_role(user), "may": may}
