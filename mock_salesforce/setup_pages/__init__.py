"""The mock org's Setup pages (HTML on the HTTP port), logged in as an org admin: Connected
Apps OAuth Usage with its actions, Users with their permission sets, Profiles and Permission
Sets — what steps 3, 4 and 6 of the procedure are done in."""

from starlette.routing import BaseRoute, Route

from mock_salesforce.setup_pages import access, home, login, oauth_usage, users

_APP = "/setup/connected-apps-oauth-usage/{app_name}"

ROUTES: list[BaseRoute] = [
    Route("/setup", home.home_page, methods=["GET"]),
    Route("/setup/", home.home_page, methods=["GET"]),
    Route("/setup/login", login.login_form, methods=["GET"]),
    Route("/setup/login", login.login_submit, methods=["POST"]),
    Route("/setup/logout", login.logout, methods=["POST"]),
    Route(oauth_usage.BASE, oauth_usage.usage_page, methods=["GET"]),
    Route(_APP, oauth_usage.app_users_page, methods=["GET"]),
    Route(f"{_APP}/install", oauth_usage.install, methods=["POST"]),
    Route(f"{_APP}/uninstall", oauth_usage.uninstall, methods=["POST"]),
    Route(f"{_APP}/block", oauth_usage.block, methods=["POST"]),
    Route(f"{_APP}/unblock", oauth_usage.unblock, methods=["POST"]),
    Route(f"{_APP}/revoke", oauth_usage.revoke, methods=["POST"]),
    Route(f"{_APP}/revoke-all", oauth_usage.revoke_all, methods=["POST"]),
    Route(f"{_APP}/policies", oauth_usage.policies_page, methods=["GET"]),
    Route(f"{_APP}/policies", oauth_usage.save_policies, methods=["POST"]),
    Route(users.BASE, users.users_page, methods=["GET"]),
    Route("/setup/users/{user_id}", users.user_page, methods=["GET"]),
    Route("/setup/users/{user_id}/assignments", users.assign, methods=["POST"]),
    Route("/setup/users/{user_id}/unlock", users.unlock, methods=["POST"]),
    Route(
        "/setup/users/{user_id}/assignments/{assignment_id}/remove", users.remove, methods=["POST"]
    ),
    Route(access.PROFILES, access.profiles_page, methods=["GET"]),
    Route("/setup/profiles/{profile_id}", access.profile_page, methods=["GET"]),
    Route(access.PERMISSION_SETS, access.permission_sets_page, methods=["GET"]),
    Route(
        "/setup/permission-sets/{permission_set_id}", access.permission_set_page, methods=["GET"]
    ),
    Route(
        "/setup/permission-sets/{permission_set_id}/assignments",
        access.assign_from_set,
        methods=["POST"],
    ),
]
