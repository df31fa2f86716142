"""The facts behind abnormal-list proposals: online shops registered at a shared (cluster)
address whose cases record attempts to reach them that all failed (abnormal_proposals.py)."""

from __future__ import annotations

from station_app.store.connection import Store

# The address of a merchant as compared: without spaces (ASCII and ideographic).
_ADDRESS_KEY = "replace(replace(trim(address), ' ', ''), '\u3000', '')"


def proposal_rows(store: Store, min_attempts: int) -> list[dict]:
    """One row per case behind a proposal, ordered by merchant then receipt: a live online shop
    (a platform is named) not on the abnormal list (the station's or the city office's), cluster-registered or sharing its address
    with another live merchant, and a live case against it with at least `min_attempts`
    contact attempts, every one of them unreachable."""
    # From the candidate shops to their cases and events (CROSS JOIN keeps that order), so
    # that only their events are read, never every event of the station.
    return store.query(
        f"""
        WITH live AS (
            SELECT id, name, uscc, address, platform, shop_url, cluster_registered,
                   abnormal_listed, {_ADDRESS_KEY} AS address_key
              FROM merchants WHERE deleted = 0 AND merged_into IS NULL
        ),
        shared AS (
            SELECT address_key, count(*) AS merchants FROM live
             WHERE address_key <> '' GROUP BY address_key
        ),
        candidates AS (
            SELECT m.*, COALESCE(s.merchants, 1) AS same_address
              FROM live m LEFT JOIN shared s ON s.address_key = m.address_key
             WHERE m.platform <> '' AND m.abnormal_listed = 0
               AND (m.cluster_registered = 1 OR COALESCE(s.merchants, 1) >= 2)
               -- nor one the city office's list already names (store/reference_data.py)
               AND NOT EXISTS (
                   SELECT 1 FROM city_abnormal_list l
                    WHERE l.uscc <> '' AND l.uscc = upper(replace(m.uscc, ' ', ''))
               )
               AND NOT EXISTS (
                   SELECT 1 FROM city_abnormal_list l
                    WHERE l.uscc = '' AND l.name = replace(trim(m.name), ' ', '')
               )
        ),
        attempts AS (
            SELECT e.case_id, count(*) AS attempts,
                   sum(json_extract(e.details, '$.contact_result') = 'unreachable') AS unreachable,
                   min(e.occurred_at) AS first_at, max(e.occurred_at) AS last_at,
                   group_concat(DISTINCT json_extract(e.details, '$.contact_way')) AS ways
              FROM candidates m
             CROSS JOIN cases c ON c.merchant_id = m.id AND c.deleted = 0
             CROSS JOIN case_events e ON e.case_id = c.id
             WHERE e.action = 'contact' AND e.deleted = 0
             GROUP BY e.case_id
        )
        SELECT m.id AS merchant_id, m.name, m.uscc, m.address, m.platform, m.shop_url,
               m.cluster_registered, m.same_address,
               c.id AS case_id, c.case_no, c.kind, c.status, c.received_at, c.owner_station,
               a.attempts, a.first_at, a.last_at, a.ways
          FROM candidates m
          JOIN cases c ON c.merchant_id = m.id AND c.deleted = 0
          JOIN attempts a ON a.case_id = c.id
         WHERE a.attempts >= ? AND a.unreachable = a.attempts
         ORDER BY m.name, m.id, c.received_at, c.case_no
        """,
        (min_attempts,),
    )
