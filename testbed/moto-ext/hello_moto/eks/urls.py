"""moto's EKS routes and the ones hello_moto adds, all served by its EKSResponse."""

from moto.eks import urls as eks_urls

from .responses import EKSResponse

url_bases = eks_urls.url_bases

response = EKSResponse()

url_paths = {path: response.dispatch for path in eks_urls.url_paths}
url_paths.update(
    {
        "{0}/clusters/(?P<name>[^/]+)/updates/(?P<updateId>[^/]+)$": response.dispatch,
        "{0}/clusters/(?P<name>[^/]+)/access-entries$": response.dispatch,
        # principalArn is an ARN (slashes): the longest match, then the suffix.
        "{0}/clusters/(?P<name>[^/]+)/access-entries/(?P<principalArn>.+)/access-policies/(?P<policyArn>.+)$": response.dispatch,
        "{0}/clusters/(?P<name>[^/]+)/access-entries/(?P<principalArn>.+)/access-policies$": response.dispatch,
        "{0}/clusters/(?P<name>[^/]+)/access-entries/(?P<principalArn>.+)$": response.dispatch,
        "{0}/clusters/(?P<name>[^/]+)/addons$": response.dispatch,
        "{0}/clusters/(?P<name>[^/]+)/addons/(?P<addonName>[^/]+)$": response.dispatch,
        "{0}/clusters/(?P<name>[^/]+)/addons/(?P<addonName>[^/]+)/update$": response.dispatch,
        "{0}/addons/supported-versions$": response.dispatch,
    }
)
