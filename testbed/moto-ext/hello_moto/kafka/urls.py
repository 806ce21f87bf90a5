"""moto's MSK routes and the configurations, all served by hello_moto's KafkaResponse.

GetBootstrapBrokers needs no new route: moto's /v1/clusters/<arn> pattern
already matches it, and the operation is picked from the method and path."""

from moto.kafka import urls as kafka_urls

from .responses import KafkaResponse

url_bases = kafka_urls.url_bases

url_paths = {path: KafkaResponse.dispatch for path in kafka_urls.url_paths}
url_paths.update(
    {
        "{0}/v1/configurations$": KafkaResponse.dispatch,
        "{0}/v1/configurations/(?P<arn>.+)$": KafkaResponse.dispatch,
    }
)
