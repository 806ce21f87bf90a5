"""MSK: GetBootstrapBrokers, the configurations, NotFound for a deleted
cluster and the CREATING -> ACTIVE transition moto 5.2.5 lacks."""
