# shellcheck shell=bash
# The SQL servers the functional tests run against: MariaDB (root, no password, over
# 127.0.0.1:3306) and PostgreSQL (user postgres trusted over 127.0.0.1:5432).
#
# Commands that work without systemd as PID 1; configuration is only touched when the
# check that follows it would otherwise fail.

_postgresql_version() {
    ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1
}

_postgresql_answers() {
    psql -h 127.0.0.1 -p 5432 -U postgres -w -tAc 'SELECT 1' postgres >/dev/null 2>&1
}

ensure_postgresql() {
    local version
    _postgresql_answers && return 0
    version=$(_postgresql_version)
    [ -n "$version" ] || die "PostgreSQL is installed but has no cluster under /etc/postgresql"
    if ! port_open 5432; then
        say "starting PostgreSQL $version"
        as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start </dev/null
        wait_for_port 5432 PostgreSQL 60
    fi
    if ! _postgresql_answers; then
        say "trusting local TCP connections of user postgres in pg_hba.conf"
        as_root sed -i '1i host all postgres 127.0.0.1/32 trust' \
            "/etc/postgresql/$version/main/pg_hba.conf"
        as_root pg_ctlcluster --skip-systemctl-redirect "$version" main reload </dev/null
        sleep 1
        _postgresql_answers || die "cannot connect as postgres@127.0.0.1:5432 without a password"
    fi
}

_mariadb_answers() {
    mysql -h 127.0.0.1 -P 3306 -u root -e 'SELECT 1' >/dev/null 2>&1 </dev/null
}

ensure_mariadb() {
    if ! port_open 3306; then
        say "starting MariaDB"
        as_root install -d -o mysql -g mysql /run/mysqld
        as_root start-stop-daemon --start --oknodo --background \
            --exec /usr/sbin/mariadbd -- --user=mysql </dev/null
        wait_for_port 3306 MariaDB 60
    fi
    if ! _mariadb_answers; then
        say "allowing MariaDB root without a password from 127.0.0.1"
        as_root mysql --protocol=socket -u root -e \
            "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '';
             GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
             FLUSH PRIVILEGES;" </dev/null
        _mariadb_answers || die "cannot connect as root@127.0.0.1:3306 without a password"
    fi
}
